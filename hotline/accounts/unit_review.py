"""单位审核 settings: which units review their own handlers' return and closure requests, and
since when. The history matters: a detector asks whether review applied when a request was made."""

from __future__ import annotations

from datetime import datetime

from hotline import clock
from hotline.accounts.models import Unit, UnitReviewSetting, User
from hotline.domain.lifecycle import Role

ReviewPeriods = dict[str, list[tuple[datetime, datetime | None]]]


def unit_review_required(code: str) -> bool:
    """Whether ``code`` reviews its requests now (the latest setting; none means no)."""
    if not code:
        return False
    latest = UnitReviewSetting.objects.filter(unit__code=code).order_by("-since", "-id").first()
    return bool(latest and latest.required)


def unit_review_set(*, actor: str, unit: str, required: bool) -> UnitReviewSetting:
    """Switch a unit's review on or off from now on; the earlier settings stay as history."""
    found = Unit.objects.filter(code=unit).first()
    if found is None:
        raise ValueError(f"unit: unknown unit {unit!r}")
    return UnitReviewSetting.objects.create(
        unit=found, required=required, since=clock.now(), set_by=actor
    )


def unit_review_periods() -> ReviewPeriods:
    """For each unit, the spans [since, until) during which it required review (until None: now)."""
    periods: ReviewPeriods = {}
    open_since: dict[str, datetime] = {}
    for code, required, since in UnitReviewSetting.objects.order_by("since", "id").values_list(
        "unit__code", "required", "since"
    ):
        if required and code not in open_since:
            open_since[code] = since
        elif not required and code in open_since:
            periods.setdefault(code, []).append((open_since.pop(code), since))
    for code, since in open_since.items():
        periods.setdefault(code, []).append((since, None))
    return periods


def unit_leads() -> dict[str, list[str]]:
    """Each unit's leads (单位负责人) by username: their own requests need no review."""
    leads: dict[str, list[str]] = {}
    for code, username in (
        User.objects.filter(role=Role.UNIT_LEAD, unit__isnull=False)
        .order_by("username")
        .values_list("unit__code", "username")
    ):
        leads.setdefault(code, []).append(username)
    return leads

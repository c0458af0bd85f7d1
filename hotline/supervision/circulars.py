"""通报 (circulars) kept in the database: composed as a draft from closed cases and 天眼 findings,
edited, then published to the units they name, who read them from then on.

Services write (one transaction each; a published circular is never changed: the service refuses
and the database's triggers would too), selectors read, scoped to the reader.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from hotline import clock
from hotline.accounts.access import can_supervise
from hotline.accounts.models import Unit, User
from hotline.domain.lifecycle import NotAllowed, Role
from hotline.eventstore import store
from hotline.supervision import circular as document
from hotline.supervision.models import Circular, CircularUnit, SupervisionCase

NUMBER_PREFIX = "热线纪通"
ISSUER = "市纪委监委"
TITLE = "关于12345热线办理中典型问题的通报"
# 文号: issuing organ's short name, the year in 六角括号, the sequence number: 热线纪通〔2026〕3号
NUMBER_FORMAT = re.compile(
    r"^(?P<organ>[\u4e00-\u9fffA-Za-z]{1,20})〔(?P<year>\d{4})〕(?P<seq>[1-9]\d{0,3})号$"
)
MAX_SECTIONS = 60
MAX_TEXT = 10_000
UNIT_ROLES = frozenset({Role.HANDLER, Role.UNIT_LEAD})


class CircularError(ValueError):
    """A circular refused; ``field`` names what is wrong, ``message`` says it to a person."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# -- selectors ---------------------------------------------------------------------------------


def circular_list(*, user: User) -> QuerySet[Circular]:
    """Supervisors and administrators: every circular, drafts too. A unit's handlers and lead:
    the published circulars that name their unit. Anyone else: none."""
    if can_supervise(user):
        return Circular.objects.all()
    if user.hotline_role in UNIT_ROLES and user.unit_code:
        return circulars_naming(unit=user.unit_code)
    return Circular.objects.none()


def circular_get(*, user: User, number: str) -> Circular | None:
    return circular_list(user=user).filter(number=number).first()


def circulars_naming(*, unit: str) -> QuerySet[Circular]:
    """The published circulars that name ``unit`` (a unit code), newest first."""
    return Circular.objects.filter(state=Circular.PUBLISHED, named__unit=unit).distinct()


def number_proposed(*, year: int) -> str:
    """The next 文号 of ``year``: one after the highest sequence number used that year."""
    used = [
        int(match["seq"])
        for number in Circular.objects.filter(number__contains=f"〔{year}〕").values_list(
            "number", flat=True
        )
        if (match := NUMBER_FORMAT.match(number)) and int(match["year"]) == year
    ]
    return f"{NUMBER_PREFIX}〔{year}〕{max(used, default=0) + 1}号"


def unit_names() -> dict[str, str]:
    return dict(Unit.objects.values_list("code", "name"))


def circular_document(circular: Circular) -> document.Circular:
    """The document as stored (edited text included), for the HTML preview and the .docx."""
    return document.Circular(
        title=circular.title,
        document_number=circular.number,
        addressee=circular.addressee,
        opening=circular.opening,
        cases=[
            document.CircularCase(heading=s["heading"], paragraphs=list(s["paragraphs"]))
            for s in circular.sections
        ],
        closing=circular.closing,
        issuer=circular.issuer,
        issued_on=circular.issued_on,
    )


# -- services ----------------------------------------------------------------------------------


def _require_supervisor(actor: User) -> None:
    if not can_supervise(actor):
        raise NotAllowed(f"user {actor.username} may not compose circulars")


def _checked_number(number: str, *, other_than: int | None = None) -> str:
    number = number.strip()
    if not NUMBER_FORMAT.match(number):
        raise CircularError("number", _("文号：须形如 热线纪通〔2026〕3号"))
    taken = Circular.objects.filter(number=number)
    if other_than is not None:
        taken = taken.exclude(pk=other_than)
    if taken.exists():
        raise CircularError("number", _("文号：%(number)s 已被使用") % {"number": number})
    return number


def _checked_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise CircularError("title", _("标题：不能为空"))
    if len(title) > 200:
        raise CircularError("title", _("标题：不能超过 200 字"))
    return title


def _checked_text(field: str, label: str, text: str) -> str:
    text = text.strip()
    if not text:
        raise CircularError(field, _("%(label)s：不能为空") % {"label": label})
    if len(text) > MAX_TEXT:
        raise CircularError(field, _("%(label)s：过长") % {"label": label})
    return text


def _chosen_cases(numbers: Sequence[str]) -> list[SupervisionCase]:
    wanted = list(dict.fromkeys(n.strip() for n in numbers if n.strip()))
    found = {c.number: c for c in SupervisionCase.objects.filter(number__in=wanted)}
    for number in wanted:
        case = found.get(number)
        if case is None:
            raise CircularError("cases", _("案件：没有案件 %(number)s") % {"number": number})
        if case.state != "closed" or case.confirmed is not True:
            raise CircularError(
                "cases", _("案件：%(number)s 尚未办结或未经核实属实") % {"number": number}
            )
    return [found[n] for n in wanted]


def _chosen_findings(findings: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    chosen = []
    for finding in findings:
        item = {
            key: str(finding.get(key) or "").strip()
            for key in ("order", "detector", "unit", "explanation")
        }
        if not item["detector"] or not (item["order"] or item["explanation"]):
            raise CircularError("findings", _("线索：每条线索须有检测项和工单或说明"))
        chosen.append(item)
    return chosen


def _units_named(
    cases: Sequence[SupervisionCase], findings: Sequence[Mapping[str, str]]
) -> list[str]:
    codes = [code for case in cases for code in case.units] + [f["unit"] for f in findings]
    return list(dict.fromkeys(code for code in codes if code))


def circular_draft(
    *,
    actor: User,
    number: str,
    title: str,
    issued_on: date,
    cases: Sequence[str] = (),
    findings: Sequence[Mapping[str, Any]] = (),
    issuer: str = ISSUER,
    detector_names: Mapping[str, object] | None = None,
) -> Circular:
    """拟稿: a draft of the chosen closed, confirmed cases and findings, its body proposed by
    :func:`hotline.supervision.circular.build_circular` (edit it with :func:`circular_update`)."""
    _require_supervisor(actor)
    title = _checked_title(title)
    issuer = _checked_text("issuer", _("发文机关"), issuer)[:100]
    with store.write_transaction():
        number = _checked_number(number)
        chosen = _chosen_cases(cases)
        picked = _chosen_findings(findings)
        if not chosen and not picked:
            raise CircularError("cases", _("案件或线索：请至少选择一项"))
        proposed = document.build_circular(
            chosen,
            title=title,
            issuer=issuer,
            document_number=number,
            issued_on=issued_on,
            unit_names=unit_names(),
            findings=picked,
            detector_names=detector_names,
        )
        return Circular.objects.create(
            number=number,
            title=title,
            issuer=issuer,
            issued_on=issued_on,
            addressee=proposed.addressee,
            opening=proposed.opening,
            closing=proposed.closing,
            sections=[
                {"heading": part.heading, "paragraphs": part.paragraphs} for part in proposed.cases
            ],
            cases=[case.number for case in chosen],
            findings=picked,
            units=_units_named(chosen, picked),
            created_by=actor.username,
            created_at=clock.now(),
        )


def _locked_draft(circular: Circular | str) -> Circular:
    number = circular if isinstance(circular, str) else circular.number
    row = Circular.objects.select_for_update().filter(number=number).first()
    if row is None:
        raise CircularError("number", _("文号：没有通报 %(number)s") % {"number": number})
    if row.state != Circular.DRAFT:
        raise CircularError("state", _("状态：已发布的通报不能修改"))
    return row


def _checked_sections(sections: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if len(sections) > MAX_SECTIONS:
        raise CircularError("sections", _("正文：段落过多"))
    checked = []
    for index, section in enumerate(sections, start=1):
        heading = str(section.get("heading") or "").strip()
        paragraphs = [str(p).strip() for p in section.get("paragraphs") or [] if str(p).strip()]
        if not heading:
            raise CircularError("sections", _("正文：第 %(n)d 部分缺少标题") % {"n": index})
        if len(heading) > 500 or sum(map(len, paragraphs)) > MAX_TEXT:
            raise CircularError("sections", _("正文：第 %(n)d 部分过长") % {"n": index})
        checked.append({"heading": heading, "paragraphs": paragraphs})
    return checked


def circular_update(
    *,
    actor: User,
    circular: Circular | str,
    number: str | None = None,
    title: str | None = None,
    issued_on: date | None = None,
    issuer: str | None = None,
    addressee: str | None = None,
    opening: str | None = None,
    closing: str | None = None,
    sections: Sequence[Mapping[str, Any]] | None = None,
) -> Circular:
    """改稿: change a draft's 文号, title, date or text; a published circular is refused."""
    _require_supervisor(actor)
    with store.write_transaction():
        row = _locked_draft(circular)
        if number is not None:
            row.number = _checked_number(number, other_than=row.pk)
        if title is not None:
            row.title = _checked_title(title)
        if issued_on is not None:
            row.issued_on = issued_on
        if issuer is not None:
            row.issuer = _checked_text("issuer", _("发文机关"), issuer)[:100]
        if addressee is not None:
            row.addressee = _checked_text("addressee", _("主送机关"), addressee)[:200]
        if opening is not None:
            row.opening = _checked_text("opening", _("开头"), opening)
        if closing is not None:
            row.closing = _checked_text("closing", _("结尾"), closing)
        if sections is not None:
            row.sections = _checked_sections(sections)
        row.save()
    return row


def circular_publish(*, actor: User, circular: Circular | str) -> Circular:
    """印发: the draft is sealed and the units it names see it from now on."""
    _require_supervisor(actor)
    with store.write_transaction():
        row = _locked_draft(circular)
        row.state = Circular.PUBLISHED
        row.published_by = actor.username
        row.published_at = clock.now()
        row.save(update_fields=["state", "published_by", "published_at"])
        CircularUnit.objects.bulk_create(
            CircularUnit(circular=row, unit=code) for code in row.units
        )
    return row

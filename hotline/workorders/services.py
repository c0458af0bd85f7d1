"""Every write to work orders goes through one function here (one door per change).

Each ``workorder_<action>`` locks the order, asks the domain lifecycle whether the action is
allowed, folds the new event onto the order with the domain projection, and hands row and event
to the event store (hotline.eventstore), which chains the event and writes both in one transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError
from django.utils import timezone

from hotline import clock
from hotline.accounts.access import center_unit
from hotline.accounts.models import Unit, User
from hotline.accounts.unit_review import unit_review_required
from hotline.domain import lifecycle
from hotline.domain.events import EventRecord, OrderSnapshot, apply_event, canonical_json
from hotline.domain.lifecycle import Action, Actor, GuardFailed, LifecycleError, OrderFacts, Role
from hotline.eventstore import store
from hotline.eventstore.store import VersionConflict as VersionConflict  # raised to callers

# Several changes that must land together (an imported row) share the event store's transaction.
from hotline.eventstore.store import write_transaction as write_transaction
from hotline.reference import selectors as reference
from hotline.reference.selectors import sla_limits, working_calendar
from hotline.workorders.attachments import CheckedFile, attachments_sealed, attachments_store
from hotline.workorders.models import (
    IdempotencyKey,
    OrderNumberCounter,
    PersonalDataAccess,
    WorkOrder,
    WorkOrderEvent,
)
from hotline.workorders.notices import notices_publish
from hotline.workorders.selectors import can_unmask, restrict_orders
from hotline.workorders.stream import ORDER_STREAM, ROW_FIELDS
from hotline.workorders.unit_review_selectors import review_submission


class NotFound(LifecycleError):
    code = "not_found"


def actor_of(user: User) -> Actor:
    """The acting identity; center staff without a unit act for the hotline center."""
    role = user.hotline_role
    if role is None:
        raise lifecycle.NotAllowed(f"user {user.username} has no hotline role")
    return Actor(username=user.username, role=role, unit=user.unit_code or center_unit())


def facts_of(snap: OrderSnapshot | None) -> OrderFacts:
    if snap is None:
        return OrderFacts(state=None, current_unit="")
    return OrderFacts(
        state=snap.state,
        current_unit=snap.current_unit,
        kind=snap.kind,
        extension_pending=snap.extension_pending,
        rated=snap.rating is not None,
        creator=snap.created_by,
        assist_units=snap.assist_units,
        unit_review=unit_review_required(snap.current_unit),
    )


def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    """Drop empty optional values so events stay compact (guards then name missing fields)."""
    return {k: v for k, v in data.items() if v is not None and v != "" and v != []}


def _append(row: WorkOrder, record: EventRecord, after: OrderSnapshot) -> None:
    """Write the event and move the row to ``after`` (one door: the event store), then hand the
    notices it causes to whoever subscribed, in the same transaction (transactional outbox)."""
    row.set_snapshot(after)
    (event,) = store.stream_append(ORDER_STREAM, head=row, records=[record], fields=ROW_FIELDS)
    assert isinstance(event, WorkOrderEvent)
    notices_publish(event=event, record=record, order=after)


Prepare = Callable[[WorkOrder, OrderSnapshot], Mapping[str, Any]]


def _perform(
    *,
    actor: User,
    order: WorkOrder | str,
    action: Action,
    data: Mapping[str, Any],
    to_unit: str = "",
    expected_version: int | None = None,
    prepare: Prepare | None = None,
    defaults: Prepare | None = None,
    files: Sequence[CheckedFile] = (),
) -> WorkOrder:
    """``defaults`` fills fields the caller left empty, before the guards read them (a unit lead
    forwarding a request takes the handler's submission); ``prepare`` adds what the guards
    allowed (deadlines, catalogue routes)."""
    number = order if isinstance(order, str) else order.number
    who = actor_of(actor)
    data = _clean(data)
    with store.write_transaction():
        try:
            row = WorkOrder.objects.select_for_update().get(number=number)
        except WorkOrder.DoesNotExist:
            raise NotFound(f"order {number} does not exist") from None
        if expected_version is not None and row.version != expected_version:
            raise VersionConflict(
                f"order {number} is at version {row.version}, not {expected_version}; reload it"
            )
        snap = row.to_snapshot()
        if defaults is not None:
            data = _clean({**defaults(row, snap), **data})
        lifecycle.decide(facts_of(snap), action, who, data, to_unit)
        if prepare is not None:
            # A prepare step may also blank a field it finds redundant.
            data = _clean({**data, **prepare(row, snap)})
        if files:
            # The files' names, types, sizes and digests are sealed into the event's hash.
            data = {**data, "attachments": attachments_sealed(files)}
        record = EventRecord(
            order=number,
            seq=snap.version + 1,
            at=clock.now(),
            action=action,
            actor=who.username,
            unit=who.unit,
            to_unit=to_unit,
            data=data,
        )
        _append(row, record, apply_event(snap, record))
        if files:
            attachments_store(actor=who.username, order=row, seq=record.seq, files=files)
    return row


def _iso(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat()


# -- create ------------------------------------------------------------------------------------


def _next_number(at: datetime) -> str:
    """Next number of the day (2026112700001), from the day's counter row."""
    day, number = store.counter_next_of_day(OrderNumberCounter, at=at)
    return f"{day}{number:05d}"


def _require_unit(code: str, field: str) -> None:
    if not Unit.objects.filter(code=code, is_active=True).exists():
        raise GuardFailed(field, f"unknown or inactive unit {code!r}")


def workorder_create(
    *,
    actor: User,
    channel: str,
    kind: str,
    category: str,
    text: str,
    location: str = "",
    area: str = "",
    urgency: str = "normal",
    caller_name: str = "",
    caller_phone: str = "",
    caller_address: str = "",
    caller_email: str = "",
    lat: float | None = None,
    long: float | None = None,
    attributes: Mapping[str, str] | None = None,
    call_id: str = "",
    idempotency_key: str | None = None,
    suggested: Sequence[Mapping[str, Any]] = (),
) -> WorkOrder:
    """受理: register a citizen's request as a new work order.

    ``suggested`` is what the intake screen showed the agent (智能派单: categories and scores);
    it is recorded, not fingerprinted, so the same request retried gets the same order."""
    caller = _clean(
        {
            "name": caller_name,
            "phone": caller_phone,
            "address": caller_address,
            "email": caller_email,
        }
    )
    data = _clean(
        {
            "channel": channel,
            "kind": kind,
            "category": category,
            "text": text,
            "location": location,
            "area": area,
            "urgency": urgency,
            "caller": caller or None,
            "lat": lat,
            "long": long,
            "attributes": dict(attributes) if attributes else None,
            "call_id": call_id,
        }
    )
    who = actor_of(actor)
    fingerprint = hashlib.sha256(canonical_json(data)).hexdigest()
    if idempotency_key:
        replayed = _replay_idempotent(who.username, idempotency_key, fingerprint)
        if replayed is not None:
            return replayed
    if suggested:
        data["suggested"] = [dict(s) for s in suggested]
    try:
        with store.write_transaction():
            order = _create(who, data)
            if idempotency_key:
                IdempotencyKey.objects.create(
                    key=idempotency_key, actor=who.username, fingerprint=fingerprint, order=order
                )
    except IntegrityError:
        # A concurrent retry with the same key won the race: hand back its order.
        if idempotency_key:
            replayed = _replay_idempotent(who.username, idempotency_key, fingerprint)
            if replayed is not None:
                return replayed
        raise
    return order


def _replay_idempotent(actor: str, key: str, fingerprint: str) -> WorkOrder | None:
    found = IdempotencyKey.objects.filter(actor=actor, key=key).select_related("order").first()
    if found is None:
        return None
    if found.fingerprint != fingerprint:
        raise GuardFailed("Idempotency-Key", "was already used for a different request")
    return found.order


def _create(who: Actor, data: dict[str, Any]) -> WorkOrder:
    lifecycle.decide(facts_of(None), Action.CREATE, who, data)
    if not reference.category_is_active(data["category"]):
        raise GuardFailed("category", f"unknown or inactive category {data['category']!r}")
    if data.get("area") and not reference.area_exists(data["area"]):
        raise GuardFailed("area", f"unknown area {data['area']!r}")
    at = clock.now()
    record = EventRecord(
        order=_next_number(at),
        seq=1,
        at=at,
        action=Action.CREATE,
        actor=who.username,
        unit=who.unit if who.role is not Role.CITIZEN else "",
        data=data,
    )
    order = WorkOrder(number=record.order)
    _append(order, record, apply_event(None, record))
    return order


# -- actions -----------------------------------------------------------------------------------


def workorder_answer_directly(
    *,
    actor: User,
    order: WorkOrder | str,
    answer: str,
    article: int | None = None,
    expected_version: int | None = None,
) -> WorkOrder:
    """直接办结: the agent answers on the spot, citing the knowledge-base article (知识库) read
    out, which must be active and valid today."""

    def check_article(row: WorkOrder, snap: OrderSnapshot) -> dict[str, Any]:
        if article is not None and reference.article_usable(article) is None:
            raise GuardFailed("article", f"knowledge article {article} is not in force")
        return {}

    return _perform(
        actor=actor,
        order=order,
        action=Action.ANSWER_DIRECTLY,
        data={"answer": answer, "article": article},
        expected_version=expected_version,
        prepare=check_article,
    )


def workorder_dispatch(
    *,
    actor: User,
    order: WorkOrder | str,
    to_unit: str,
    assist: Sequence[str] = (),
    note: str = "",
    category: str = "",
    expected_version: int | None = None,
) -> WorkOrder:
    """派单: send the order to a lead unit (主办) and optional assisting units (协办).

    ``category`` corrects the order's category (改类). The event records the dispatch-catalogue
    entry and version (派单目录) for the order's category and area, and whether the dispatcher
    followed it or chose another unit.
    """

    def deadlines(row: WorkOrder, snap: OrderSnapshot) -> dict[str, Any]:
        final_category = category or snap.category
        if category and not reference.category_is_active(category):
            raise GuardFailed("category", f"unknown or inactive category {category!r}")
        return {
            **_dispatch_terms(to_unit, assist, final_category, snap.urgency),
            # Recorded only when it changes the category.
            "category": category if category != snap.category else "",
            **_catalogue_record(final_category, snap.area, to_unit),
        }

    return _perform(
        actor=actor,
        order=order,
        action=Action.DISPATCH,
        to_unit=to_unit,
        data={"assist": list(assist), "note": note, "category": category},
        expected_version=expected_version,
        prepare=deadlines,
    )


def _dispatch_terms(
    to_unit: str, assist: Sequence[str], category: str, urgency: str
) -> dict[str, Any]:
    """The units checked, and the 签收/办理 deadlines from now on the working calendar."""
    if to_unit == center_unit():
        raise GuardFailed("to_unit", "an order cannot be dispatched to the hotline center")
    _require_unit(to_unit, "to_unit")
    for code in assist:
        _require_unit(code, "assist")
    accept_hours, handle_days = sla_limits(category=category, urgency=urgency)
    now, calendar = clock.now(), working_calendar()
    return {
        "accept_deadline": _iso(calendar.deadline(now, hours=accept_hours)),
        "deadline": _iso(calendar.deadline(now, days=handle_days)),
    }


def workorder_reassign(
    *,
    actor: User,
    order: WorkOrder | str,
    to_unit: str,
    reason: str,
    assist: Sequence[str] = (),
    expected_version: int | None = None,
) -> WorkOrder:
    """改派: an order no unit has signed for goes to another lead unit, with a reason; the
    new unit gets fresh 签收 and 办理 deadlines."""

    def terms(row: WorkOrder, snap: OrderSnapshot) -> dict[str, Any]:
        return _dispatch_terms(to_unit, assist, snap.category, snap.urgency)

    return _perform(
        actor=actor,
        order=order,
        action=Action.REASSIGN,
        to_unit=to_unit,
        data={"assist": list(assist), "reason": reason},
        expected_version=expected_version,
        prepare=terms,
    )


def _catalogue_record(category: str, area: str, to_unit: str) -> dict[str, Any]:
    route = reference.catalogue_route(category=category, area=area)
    if route is None:
        return {}
    return {
        "catalogue": {
            "entry": route.entry,
            "version": route.version,
            "followed": route.lead_unit == to_unit,
            "lead_unit": route.lead_unit,
        }
    }


def workorder_accept(
    *, actor: User, order: WorkOrder | str, expected_version: int | None = None
) -> WorkOrder:
    """签收."""
    return _perform(
        actor=actor, order=order, action=Action.ACCEPT, data={}, expected_version=expected_version
    )


def workorder_contact(
    *,
    actor: User,
    order: WorkOrder | str,
    note: str,
    method: str = "phone",
    expected_version: int | None = None,
) -> WorkOrder:
    """联系诉求人."""
    return _perform(
        actor=actor,
        order=order,
        action=Action.CONTACT,
        data={"note": note, "method": method},
        expected_version=expected_version,
    )


def workorder_visit(
    *, actor: User, order: WorkOrder | str, note: str, expected_version: int | None = None
) -> WorkOrder:
    """现场查看."""
    return _perform(
        actor=actor,
        order=order,
        action=Action.VISIT,
        data={"note": note},
        expected_version=expected_version,
    )


def workorder_reply(
    *, actor: User, order: WorkOrder | str, text: str, expected_version: int | None = None
) -> WorkOrder:
    """答复: the unit's answer to the citizen."""
    return _perform(
        actor=actor,
        order=order,
        action=Action.REPLY,
        data={"text": text},
        expected_version=expected_version,
    )


def workorder_assist_opinion(
    *,
    actor: User,
    order: WorkOrder | str,
    text: str,
    attachments: Sequence[CheckedFile] = (),
    expected_version: int | None = None,
) -> WorkOrder:
    """协办意见: an assisting unit's part, for the lead unit (主办) to read before it replies."""
    return _perform(
        actor=actor,
        order=order,
        action=Action.ASSIST_OPINION,
        data={"text": text},
        expected_version=expected_version,
        files=attachments,
    )


def workorder_request_extension(
    *,
    actor: User,
    order: WorkOrder | str,
    days: int,
    reason: str,
    attachments: Sequence[CheckedFile] = (),
    expected_version: int | None = None,
) -> WorkOrder:
    """申请延期 by a number of working days, with optional evidence files (附件)."""
    return _perform(
        actor=actor,
        order=order,
        action=Action.REQUEST_EXTENSION,
        data={"days": days, "reason": reason},
        expected_version=expected_version,
        files=attachments,
    )


def _requested_extension_days(row: WorkOrder) -> int:
    request = row.events.filter(action=Action.REQUEST_EXTENSION).order_by("-seq").first()
    return int(request.data["days"]) if request else 0


def workorder_approve_extension(
    *, actor: User, order: WorkOrder | str, note: str = "", expected_version: int | None = None
) -> WorkOrder:
    """延期审核通过: the handling deadline moves by the requested working days."""

    def new_deadline(row: WorkOrder, snap: OrderSnapshot) -> dict[str, Any]:
        base = snap.handle_deadline or clock.now()
        days = _requested_extension_days(row)
        return {"deadline": _iso(working_calendar().deadline(base, days=days)), "days": days}

    return _perform(
        actor=actor,
        order=order,
        action=Action.APPROVE_EXTENSION,
        data={"note": note},
        expected_version=expected_version,
        prepare=new_deadline,
    )


def workorder_reject_extension(
    *, actor: User, order: WorkOrder | str, reason: str = "", expected_version: int | None = None
) -> WorkOrder:
    """延期审核驳回."""
    return _perform(
        actor=actor,
        order=order,
        action=Action.REJECT_EXTENSION,
        data={"reason": reason},
        expected_version=expected_version,
    )


def workorder_request_return(
    *,
    actor: User,
    order: WorkOrder | str,
    reason: str = "",
    basis: str = "",
    suggested_unit: str = "",
    attachments: Sequence[CheckedFile] = (),
    expected_version: int | None = None,
) -> WorkOrder:
    """申请退单: the unit says the order is not theirs, citing the basis and the right unit.

    A unit lead forwarding a handler's submission (单位审核通过) may leave the fields empty: the
    submission's are taken, and the event names the submission it forwards."""
    return _perform(
        actor=actor,
        order=order,
        action=Action.REQUEST_RETURN,
        data={"reason": reason, "basis": basis, "suggested_unit": suggested_unit},
        expected_version=expected_version,
        defaults=_submission(("reason", "basis", "suggested_unit")),
        # A forwarded submission's unit was checked when it was submitted.
        prepare=_unit_checker(suggested_unit),
        files=attachments,
    )


def workorder_submit_return(
    *,
    actor: User,
    order: WorkOrder | str,
    reason: str,
    basis: str,
    suggested_unit: str,
    attachments: Sequence[CheckedFile] = (),
    expected_version: int | None = None,
) -> WorkOrder:
    """退单报单位审核: in a unit that reviews its requests, the handler's return request goes to
    the unit lead first."""
    return _perform(
        actor=actor,
        order=order,
        action=Action.SUBMIT_RETURN,
        data={"reason": reason, "basis": basis, "suggested_unit": suggested_unit},
        expected_version=expected_version,
        prepare=_unit_checker(suggested_unit),
        files=attachments,
    )


def _unit_checker(code: str) -> Prepare:
    def check(row: WorkOrder, snap: OrderSnapshot) -> dict[str, Any]:
        if code:
            _require_unit(code, "suggested_unit")
        return {}

    return check


def _submission(keys: tuple[str, ...]) -> Prepare:
    """Defaults for a lead forwarding a submission: the handler's fields and its seq."""

    def defaults(row: WorkOrder, snap: OrderSnapshot) -> dict[str, Any]:
        event = review_submission(row)
        if event is None:
            return {}
        return {**{k: event.data.get(k) for k in keys}, "submission": event.seq}

    return defaults


def workorder_send_back(
    *, actor: User, order: WorkOrder | str, reason: str, expected_version: int | None = None
) -> WorkOrder:
    """单位审核退回: the unit lead sends a handler's submission back, with a reason."""
    return _perform(
        actor=actor,
        order=order,
        action=Action.SEND_BACK,
        data={"reason": reason},
        expected_version=expected_version,
    )


def workorder_approve_return(
    *, actor: User, order: WorkOrder | str, note: str = "", expected_version: int | None = None
) -> WorkOrder:
    """退单通过: back to the center for re-dispatch."""
    return _perform(
        actor=actor,
        order=order,
        action=Action.APPROVE_RETURN,
        data={"note": note},
        expected_version=expected_version,
    )


def _resume_clock(row: WorkOrder, snap: OrderSnapshot) -> dict[str, Any]:
    """The SLA clock stood still during review: push the deadline by the paused working time."""
    if snap.handle_deadline is None or snap.paused_at is None:
        return {}
    moved = working_calendar().extend_for_pause(
        snap.handle_deadline, paused_at=snap.paused_at, resumed_at=clock.now()
    )
    return {"deadline": _iso(moved)}


def workorder_reject_return(
    *, actor: User, order: WorkOrder | str, reason: str, expected_version: int | None = None
) -> WorkOrder:
    """退单驳回 (重办): the unit must handle it."""
    return _perform(
        actor=actor,
        order=order,
        action=Action.REJECT_RETURN,
        data={"reason": reason},
        expected_version=expected_version,
        prepare=_resume_clock,
    )


def workorder_request_close(
    *,
    actor: User,
    order: WorkOrder | str,
    result: str = "",
    evidence: Sequence[str] = (),
    attachments: Sequence[CheckedFile] = (),
    expected_version: int | None = None,
) -> WorkOrder:
    """申请办结 with the result, evidence notes and optional evidence files (附件). A unit lead
    forwarding a handler's submission may leave the result empty: the submission's is taken."""
    return _perform(
        actor=actor,
        order=order,
        action=Action.REQUEST_CLOSE,
        data={"result": result, "evidence": list(evidence)},
        expected_version=expected_version,
        defaults=_submission(("result", "evidence")),
        files=attachments,
    )


def workorder_submit_close(
    *,
    actor: User,
    order: WorkOrder | str,
    result: str,
    evidence: Sequence[str] = (),
    attachments: Sequence[CheckedFile] = (),
    expected_version: int | None = None,
) -> WorkOrder:
    """办结报单位审核: the handler's closure request goes to the unit lead first."""
    return _perform(
        actor=actor,
        order=order,
        action=Action.SUBMIT_CLOSE,
        data={"result": result, "evidence": list(evidence)},
        expected_version=expected_version,
        files=attachments,
    )


def workorder_approve_close(
    *, actor: User, order: WorkOrder | str, note: str = "", expected_version: int | None = None
) -> WorkOrder:
    """办结审核通过."""
    return _perform(
        actor=actor,
        order=order,
        action=Action.APPROVE_CLOSE,
        data={"note": note},
        expected_version=expected_version,
    )


def workorder_reject_close(
    *, actor: User, order: WorkOrder | str, reason: str, expected_version: int | None = None
) -> WorkOrder:
    """办结审核驳回 (重办)."""
    return _perform(
        actor=actor,
        order=order,
        action=Action.REJECT_CLOSE,
        data={"reason": reason},
        expected_version=expected_version,
        prepare=_resume_clock,
    )


def workorder_urge(
    *, actor: User, order: WorkOrder | str, note: str, expected_version: int | None = None
) -> WorkOrder:
    """督办."""
    return _perform(
        actor=actor,
        order=order,
        action=Action.URGE,
        data={"note": note},
        expected_version=expected_version,
    )


def workorder_follow_up(
    *,
    actor: User,
    order: WorkOrder | str,
    reached: bool,
    resolved: bool | None = None,
    satisfied: bool | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> WorkOrder:
    """回访: did we reach the citizen, is it resolved, are they satisfied."""
    return _perform(
        actor=actor,
        order=order,
        action=Action.FOLLOW_UP,
        data={"reached": reached, "resolved": resolved, "satisfied": satisfied, "note": note},
        expected_version=expected_version,
    )


def workorder_rate(
    *,
    actor: User,
    order: WorkOrder | str,
    score: int,
    comment: str = "",
    expected_version: int | None = None,
) -> WorkOrder:
    """评价 by the citizen, 1–5."""
    return _perform(
        actor=actor,
        order=order,
        action=Action.RATE,
        data={"score": score, "comment": comment},
        expected_version=expected_version,
    )


def workorder_reopen(
    *, actor: User, order: WorkOrder | str, reason: str, expected_version: int | None = None
) -> WorkOrder:
    """重办: a closed order goes back to the same unit with a fresh handling deadline."""

    def deadline(row: WorkOrder, snap: OrderSnapshot) -> dict[str, Any]:
        _, handle_days = sla_limits(category=snap.category, urgency=snap.urgency)
        return {"deadline": _iso(working_calendar().deadline(clock.now(), days=handle_days))}

    return _perform(
        actor=actor,
        order=order,
        action=Action.REOPEN,
        data={"reason": reason},
        expected_version=expected_version,
        prepare=deadline,
    )


def workorder_merge(
    *, actor: User, order: WorkOrder | str, into: str, expected_version: int | None = None
) -> WorkOrder:
    """并单: this order duplicates ``into`` and is closed under it."""

    def check_target(row: WorkOrder, snap: OrderSnapshot) -> dict[str, Any]:
        if into == row.number:
            raise GuardFailed("into", "an order cannot be merged into itself")
        target = WorkOrder.objects.filter(number=into).values_list("state", flat=True).first()
        if target is None:
            raise GuardFailed("into", f"order {into!r} does not exist")
        if target == lifecycle.State.MERGED:
            raise GuardFailed("into", f"order {into!r} is itself merged")
        return {}

    return _perform(
        actor=actor,
        order=order,
        action=Action.MERGE,
        data={"into": into},
        expected_version=expected_version,
        prepare=check_target,
    )


def workorder_archive(
    *, actor: User, order: WorkOrder | str, expected_version: int | None = None
) -> WorkOrder:
    """归档."""
    return _perform(
        actor=actor,
        order=order,
        action=Action.ARCHIVE,
        data={},
        expected_version=expected_version,
    )


def workorder_mark_key(
    *, actor: User, order: WorkOrder | str, note: str, expected_version: int | None = None
) -> WorkOrder:
    """标记重点工单: a liaison officer (联络员) marks an order of their units or areas, with a
    note, for the inspectors; an order outside their scope does not exist for them."""

    def in_scope(row: WorkOrder, snap: OrderSnapshot) -> dict[str, Any]:
        if not restrict_orders(actor).filter(pk=row.pk).exists():
            raise NotFound(f"order {row.number} does not exist")
        return {}

    return _perform(
        actor=actor,
        order=order,
        action=Action.MARK_KEY,
        data={"note": note},
        expected_version=expected_version,
        prepare=in_scope,
    )


# -- personal data -----------------------------------------------------------------------------


def personal_data_reveal(*, user: User, order: WorkOrder, purpose: str = "") -> dict[str, str]:
    """Unmasked caller data, recorded in the access log. Raises NotAllowed without permission."""
    if not can_unmask(user, order):
        raise lifecycle.NotAllowed("your role may not see this caller's personal data")
    PersonalDataAccess.objects.create(user=user, order=order, purpose=purpose[:200])
    return {
        "name": order.caller_name,
        "phone": order.caller_phone,
        "address": order.caller_address,
    }

"""``hotline import requests``: other systems' requests become work orders, once.

Every row is walked through the ordinary lifecycle services at the source's own times
(create → dispatch → accept → reply → request_close → approve_close, as far as its status goes),
by import accounts, inside one transaction per row. A row already imported is recognised by its
source id; if its status moved on since, the order is walked forward, never created again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from hotline import clock
from hotline.accounts.access import center_unit
from hotline.accounts.models import Unit, User
from hotline.domain.lifecycle import Channel, LifecycleError, Role, State
from hotline.domain.request_import import (
    STAGES,
    ReadResult,
    RequestMapping,
    SourceRequest,
    read_requests,
)
from hotline.reference.models import Category
from hotline.workorders import services as s
from hotline.workorders.models import IdempotencyKey, WorkOrder

STAGE_OF_STATE = {
    State.RECEIVED: "received",
    State.DISPATCHED: "dispatched",
    State.HANDLING: "handling",
    State.RETURN_REVIEW: "handling",
    State.CLOSE_REVIEW: "handling",
    State.CLOSED: "closed",
    State.ARCHIVED: "closed",
    State.MERGED: "closed",
}
STEP = timedelta(seconds=1)


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    advanced: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def requests_import(
    *,
    path: Path,
    mapping: RequestMapping,
    progress: Callable[[int], None] | None = None,
    read: ReadResult | None = None,
) -> ImportResult:
    """Import the file's requests; ``read`` is the file already parsed by the caller, if it was."""
    read = read if read is not None else read_requests(path, mapping)
    result = ImportResult(rows=len(read.requests) + len(read.errors), errors=list(read.errors))
    accounts = _Accounts()
    for request in read.requests:
        try:
            outcome = _import_one(request, mapping, accounts)
        except LifecycleError as error:
            result.errors.append((request.row, str(error)))
        else:
            setattr(result, outcome, getattr(result, outcome) + 1)
        if progress is not None:
            progress(1)
    result.errors.sort()
    return result


class _Accounts:
    """Import accounts: one agent, one dispatcher at the center, one handler per unit."""

    def __init__(self) -> None:
        self.center = Unit.objects.get(code=center_unit())
        self.agent = self._user("import.agent", Role.AGENT, self.center)
        self.dispatcher = self._user("import.dispatcher", Role.DISPATCHER, self.center)
        self.handlers: dict[str, User] = {}

    def handler(self, unit: Unit) -> User:
        if unit.code not in self.handlers:
            self.handlers[unit.code] = self._user(f"import.{unit.code}", Role.HANDLER, unit)
        return self.handlers[unit.code]

    @staticmethod
    def _user(username: str, role: Role, unit: Unit) -> User:
        user, _ = User.objects.get_or_create(
            username=username[:150], defaults={"role": role, "unit": unit, "is_active": False}
        )
        return user


def _import_one(request: SourceRequest, mapping: RequestMapping, accounts: _Accounts) -> str:
    key = f"import:{mapping.source}:{request.external_id}"[:200]
    with s.write_transaction():
        known = (
            IdempotencyKey.objects.filter(actor=accounts.agent.username, key=key)
            .select_related("order")
            .first()
        )
        unit = _unit(request) if request.unit else None
        if known is None:
            _category(request, mapping)
            with clock.frozen_at(request.created_at):
                order = s.workorder_create(
                    actor=accounts.agent,
                    channel=Channel.IMPORT,
                    kind=mapping.kind,
                    category=request.category_code,
                    text=request.text,
                    location=request.location,
                    lat=request.lat,
                    long=request.long,
                    idempotency_key=key,
                )
            _walk(order, request, accounts, unit)
            return "created"
        order = known.order
        if STAGES.index(STAGE_OF_STATE[State(order.state)]) >= STAGES.index(request.stage):
            return "unchanged"
        _walk(order, request, accounts, unit)
        return "advanced"


def _unit(request: SourceRequest) -> Unit:
    assert request.unit is not None
    unit, _ = Unit.objects.get_or_create(
        code=request.unit.code[:64], defaults={"name": request.unit.name[:200]}
    )
    return unit


def _category(request: SourceRequest, mapping: RequestMapping) -> None:
    if mapping.create_categories:
        Category.objects.get_or_create(
            code=request.category_code, defaults={"name": request.category_name[:200]}
        )


def _walk(order: WorkOrder, request: SourceRequest, accounts: _Accounts, unit: Unit | None) -> None:
    """Perform the steps between the order's state and the row's stage, at the row's times."""
    order.refresh_from_db()
    target = STAGES.index(request.stage)
    now = max(order.updated_at, request.created_at)
    if order.state == State.RECEIVED and target >= STAGES.index("dispatched") and unit:
        now += STEP
        with clock.frozen_at(now):
            s.workorder_dispatch(actor=accounts.dispatcher, order=order.number, to_unit=unit.code)
        order.refresh_from_db()
    handler = accounts.handler(Unit.objects.get(code=order.current_unit)) if unit else None
    if order.state == State.DISPATCHED and target >= STAGES.index("handling") and handler:
        now += STEP
        with clock.frozen_at(now):
            s.workorder_accept(actor=handler, order=order.number)
        order.refresh_from_db()
    if order.state == State.HANDLING and request.stage == "closed" and handler:
        _close(order, request, accounts, handler, now)


def _close(
    order: WorkOrder, request: SourceRequest, accounts: _Accounts, handler: User, now: datetime
) -> None:
    closed = max(request.closed_at or now, now + 3 * STEP)
    note = f"来源系统办结（{request.status or 'closed'}）"
    with clock.frozen_at(closed - 2 * STEP):
        s.workorder_reply(actor=handler, order=order.number, text=note)
    with clock.frozen_at(closed - STEP):
        s.workorder_request_close(actor=handler, order=order.number, result=note)
    with clock.frozen_at(closed):
        s.workorder_approve_close(actor=accounts.dispatcher, order=order.number)

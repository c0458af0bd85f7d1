"""A small hotline world for tests: the center, three units, one user per role, and helpers
that walk an order through the services to any state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hotline.accounts.models import LiaisonScope, Unit, User
from hotline.accounts.unit_review import unit_review_set
from hotline.domain.lifecycle import Action, Role, State
from hotline.reference.models import Area as RefArea
from hotline.workorders import services as s
from hotline.workorders.models import WorkOrder
from tests.common.factories import CategoryFactory, UnitFactory, UserFactory


@dataclass
class World:
    center: Unit
    unit_a: Unit
    unit_b: Unit
    unit_c: Unit
    agent: User
    dispatcher: User
    handler_a: User
    lead_a: User
    handler_b: User
    supervisor: User
    citizen: User
    admin: User
    director: User
    liaison: User  # 联络员 assigned to unit a (市住建局)

    def by_role(self, role: Role, unit: str = "a") -> User:
        return {
            Role.AGENT: self.agent,
            Role.DISPATCHER: self.dispatcher,
            Role.HANDLER: self.handler_a if unit == "a" else self.handler_b,
            Role.UNIT_LEAD: self.lead_a,
            Role.SUPERVISOR: self.supervisor,
            Role.CITIZEN: self.citizen,
            Role.ADMIN: self.admin,
            Role.DIRECTOR: self.director,
            Role.LIAISON: self.liaison,
        }[role]

    def review_on(self, unit: Unit | None = None, *, required: bool = True) -> None:
        """单位审核: the unit (a by default) reviews its handlers' requests from now on."""
        unit_review_set(actor="admin", unit=(unit or self.unit_a).code, required=required)

    def create(self, **overrides: Any) -> WorkOrder:
        fields: dict[str, Any] = {
            "channel": "phone",
            "kind": "complaint",
            "category": "noise",
            "text": "楼下餐馆夜间噪音扰民",
            "location": "和平里小区3号楼",
            "caller_name": "张三丰",
            "caller_phone": "13812341234",
            "caller_address": "A市和平里小区3号楼2单元501",
        }
        fields.update(overrides)
        actor = fields.pop("actor", self.agent)
        return s.workorder_create(actor=actor, **fields)

    def walk(self, order: WorkOrder, state: State, *, assist: tuple[Unit, ...] = ()) -> WorkOrder:
        """Move a new order to ``state`` by the usual path (unit a leads, ``assist`` assists);
        the unit-review states switch unit a's review on."""
        n = order.number
        if state is State.RECEIVED:
            return order
        if state is State.MERGED:
            other = self.create()
            return s.workorder_merge(actor=self.dispatcher, order=n, into=other.number)
        order = s.workorder_dispatch(
            actor=self.dispatcher,
            order=n,
            to_unit=self.unit_a.code,
            assist=[u.code for u in assist],
        )
        if state is State.DISPATCHED:
            return order
        if state is State.UNIT_RETURN_REVIEW:
            self.review_on()
            return s.workorder_submit_return(
                actor=self.handler_a,
                order=n,
                reason="非本单位职责",
                basis="三定方案",
                suggested_unit=self.unit_b.code,
            )
        if state is State.RETURN_REVIEW:
            return s.workorder_request_return(
                actor=self.handler_a,
                order=n,
                reason="非本单位职责",
                basis="三定方案",
                suggested_unit=self.unit_b.code,
            )
        order = s.workorder_accept(actor=self.handler_a, order=n)
        if state is State.HANDLING:
            return order
        if state is State.UNIT_CLOSE_REVIEW:
            self.review_on()
            return s.workorder_submit_close(actor=self.handler_a, order=n, result="已解决")
        order = s.workorder_request_close(actor=self.handler_a, order=n, result="已解决")
        if state is State.CLOSE_REVIEW:
            return order
        order = s.workorder_approve_close(actor=self.dispatcher, order=n)
        if state is State.CLOSED:
            return order
        return s.workorder_archive(actor=self.dispatcher, order=n)


def valid_args(world: World, action: Action, order: WorkOrder) -> dict[str, Any]:
    """Arguments that pass every guard for ``action`` on ``order``."""
    other = world.unit_b.code if order.current_unit != world.unit_b.code else world.unit_c.code
    return {
        Action.ANSWER_DIRECTLY: {"answer": "已按政策答复"},
        Action.DISPATCH: {"to_unit": world.unit_a.code, "assist": [world.unit_c.code]},
        Action.REASSIGN: {"to_unit": other, "reason": "职责划分有误，改派", "assist": []},
        Action.ASSIST_OPINION: {"text": "我局已配合现场核查，意见如下"},
        Action.SUBMIT_RETURN: {
            "reason": "非本单位职责",
            "basis": "三定方案第三条",
            "suggested_unit": other,
        },
        Action.SUBMIT_CLOSE: {"result": "已解决", "evidence": ["photo-1.jpg"]},
        Action.SEND_BACK: {"reason": "退单依据不足，请继续办理"},
        Action.MARK_KEY: {"note": "群众反映强烈，列为重点工单"},
        Action.ACCEPT: {},
        Action.CONTACT: {"note": "已电话联系"},
        Action.VISIT: {"note": "已现场查看"},
        Action.REPLY: {"text": "已答复诉求人"},
        Action.REQUEST_EXTENSION: {"days": 3, "reason": "需多部门会商"},
        Action.APPROVE_EXTENSION: {"note": "同意"},
        Action.REJECT_EXTENSION: {"reason": "理由不充分"},
        Action.REQUEST_RETURN: {
            "reason": "非本单位职责",
            "basis": "三定方案第三条",
            "suggested_unit": other,
        },
        Action.APPROVE_RETURN: {},
        Action.REJECT_RETURN: {"reason": "依据不充分"},
        Action.REQUEST_CLOSE: {"result": "已解决", "evidence": ["photo-1.jpg"]},
        Action.APPROVE_CLOSE: {},
        Action.REJECT_CLOSE: {"reason": "未实际解决"},
        Action.URGE: {"note": "请加快办理"},
        Action.FOLLOW_UP: {"reached": True, "resolved": True, "satisfied": False},
        Action.RATE: {"score": 4},
        Action.REOPEN: {"reason": "回访不满意"},
        Action.MERGE: {"into": world.create().number},
        Action.ARCHIVE: {},
    }[action]


SERVICES = {
    Action.ANSWER_DIRECTLY: s.workorder_answer_directly,
    Action.DISPATCH: s.workorder_dispatch,
    Action.REASSIGN: s.workorder_reassign,
    Action.ASSIST_OPINION: s.workorder_assist_opinion,
    Action.SUBMIT_RETURN: s.workorder_submit_return,
    Action.SUBMIT_CLOSE: s.workorder_submit_close,
    Action.SEND_BACK: s.workorder_send_back,
    Action.MARK_KEY: s.workorder_mark_key,
    Action.ACCEPT: s.workorder_accept,
    Action.CONTACT: s.workorder_contact,
    Action.VISIT: s.workorder_visit,
    Action.REPLY: s.workorder_reply,
    Action.REQUEST_EXTENSION: s.workorder_request_extension,
    Action.APPROVE_EXTENSION: s.workorder_approve_extension,
    Action.REJECT_EXTENSION: s.workorder_reject_extension,
    Action.REQUEST_RETURN: s.workorder_request_return,
    Action.APPROVE_RETURN: s.workorder_approve_return,
    Action.REJECT_RETURN: s.workorder_reject_return,
    Action.REQUEST_CLOSE: s.workorder_request_close,
    Action.APPROVE_CLOSE: s.workorder_approve_close,
    Action.REJECT_CLOSE: s.workorder_reject_close,
    Action.URGE: s.workorder_urge,
    Action.FOLLOW_UP: s.workorder_follow_up,
    Action.RATE: s.workorder_rate,
    Action.REOPEN: s.workorder_reopen,
    Action.MERGE: s.workorder_merge,
    Action.ARCHIVE: s.workorder_archive,
}


def perform(world: World, action: Action, order: WorkOrder, actor: User, **extra: Any) -> WorkOrder:
    args = valid_args(world, action, order) | extra
    return SERVICES[action](actor=actor, order=order.number, **args)


def build_world() -> World:
    center = UnitFactory(code="center", name="12345热线中心")
    a = UnitFactory(code="zhujian", name="市住建局")
    b = UnitFactory(code="chengguan", name="市城管局")
    c = UnitFactory(code="lvhua", name="市绿化市容局")
    jiwei = UnitFactory(code="jiwei", name="市纪委监委")
    CategoryFactory(code="noise", name="噪音扰民")
    CategoryFactory(code="property", name="物业管理")
    liaison = UserFactory(
        username="liaison", role=Role.LIAISON, unit=jiwei, first_name="联络员小周"
    )
    LiaisonScope.objects.create(user=liaison, unit=a)
    # ... and the street 和平里街道, so an order not yet dispatched there is in scope too.
    RefArea.objects.create(code="hepingli", name="和平里街道")
    LiaisonScope.objects.create(user=liaison, area="hepingli")
    return World(
        center=center,
        unit_a=a,
        unit_b=b,
        unit_c=c,
        agent=UserFactory(username="agent", role=Role.AGENT, unit=center),
        dispatcher=UserFactory(username="dispatcher", role=Role.DISPATCHER, unit=center),
        handler_a=UserFactory(username="handler_a", role=Role.HANDLER, unit=a),
        lead_a=UserFactory(username="lead_a", role=Role.UNIT_LEAD, unit=a),
        handler_b=UserFactory(username="handler_b", role=Role.HANDLER, unit=b),
        supervisor=UserFactory(username="supervisor", role=Role.SUPERVISOR, unit=jiwei),
        citizen=UserFactory(username="citizen", role=Role.CITIZEN),
        admin=UserFactory(username="admin", role=Role.ADMIN, unit=center),
        director=UserFactory(
            username="director", role=Role.DIRECTOR, unit=center, first_name="值班长老陈"
        ),
        liaison=liaison,
    )

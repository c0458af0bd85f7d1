"""The demo's live orders: a hundred orders created today through the services (phone orders
carry the id of the call they were taken from, so 受理率 has something to join) and walked along
every path the lifecycle allows, so each state has examples."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from django.utils import timezone

from hotline import clock
from hotline.accounts.models import User
from hotline.demo.city import AREAS, CATEGORIES, DETAILS, REVIEW_UNITS
from hotline.reference.models import KnowledgeArticle
from hotline.workorders import services as s
from hotline.workorders.models import WorkOrder

# Orders walked through the services today, in every state; the rest is imported history.
LIVE_ORDERS = 100
REPLIES = (
    "经现场核实，已责成责任单位限期整改",
    "我单位已约谈相关责任方并督促落实",
    "已联合街道现场处置，问题已解决",
    "已安排专人跟进，整改情况将电话告知您",
    "经调查情况属实，已依法下达整改通知书",
)
PLACES = ["朝阳路18号", "和平里小区3号楼", "人民广场东侧", "建设路与解放路交叉口", "幸福家园南门"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
KINDS = ["consult", "help", "complaint", "complaint", "report", "suggestion"]


def live_orders_walk(
    *, count: int, users: dict[str, User], call_ids: list[str], rng: random.Random
) -> None:
    """Create ``count`` orders ten days back, two hours apart, each walked along the next path;
    phone orders take their call ids from the end of ``call_ids``."""
    first = timezone.now() - timedelta(days=10)
    created: list[str] = []
    for i in range(count):
        category = CATEGORIES[i % len(CATEGORIES)]
        other = CATEGORIES[(i + 3) % len(CATEGORIES)][2]  # where a returned order goes next
        path = PATHS[i % len(PATHS)]
        story = _Story(users, first + timedelta(minutes=i * 130), rng)
        _create(story, category=category, path=path, call_ids=call_ids)
        _walk(story, path, category[2], other, created[-1] if created else None)
        assert story.order is not None
        created.append(story.order.number)


def _create(
    story: _Story,
    *,
    category: tuple[str, str, str, tuple[str, ...]],
    path: str,
    call_ids: list[str],
) -> None:
    """The order as an agent takes it on the phone, or (on the ``rated`` path) as the citizen
    files it on the web."""
    rng = story.rng
    code, _name, _home, phrases = category
    # The draws keep their order (place, wording, detail, then the fields) so a seed still
    # builds the same city.
    place = rng.choice(PLACES)
    text = f"{place}{rng.choice(phrases)}，{rng.choice(DETAILS)}。"
    by_citizen = path == "rated"
    story.step(
        "citizen" if by_citizen else "agent",
        s.workorder_create,
        channel="web" if by_citizen else "phone",
        kind=rng.choice(KINDS),
        category=code,
        text=text,
        location=place,
        area=rng.choice(AREAS)[0],
        urgency="urgent" if rng.random() < 0.1 else "normal",
        caller_name=rng.choice(SURNAMES) + "先生",
        caller_phone=f"139{rng.randint(0, 10**8 - 1):08d}",
        caller_address=f"A市{rng.choice(PLACES)}",
        call_id="" if by_citizen or not call_ids else call_ids.pop(),
    )


class _Story:
    """Walks one order through a path, advancing the clock a little before each step."""

    def __init__(self, users: dict[str, User], start: datetime, rng: random.Random) -> None:
        self.users, self.at, self.rng = users, start, rng
        self.order: WorkOrder | None = None

    def step(self, who: str, fn: Callable[..., WorkOrder], **kwargs: object) -> None:
        self.at += timedelta(minutes=self.rng.randint(20, 600))
        with clock.frozen_at(min(self.at, timezone.now())):
            actor = self.users[who]
            if self.order is None:
                self.order = fn(actor=actor, **kwargs)
            else:
                self.order = fn(actor=actor, order=self.order.number, **kwargs)


def _walk(story: _Story, path: str, home: str, other: str, into: str | None) -> None:
    h, ho = f"handler-{home}", f"handler-{other}"
    d = "dispatcher"
    if path == "direct":
        article = KnowledgeArticle.objects.order_by("pk").first()
        story.step(
            "agent",
            s.workorder_answer_directly,
            answer="已根据知识库答复市民。",
            article=article.pk if article else None,
        )
        return
    if path == "merge" and into:
        story.step(d, s.workorder_merge, into=into)
        return
    if path == "waiting":  # 待派单: left for the dispatcher
        return
    story.step(d, s.workorder_dispatch, to_unit=home)
    if path == "open":
        return
    if path == "returned":
        _request(
            story,
            h,
            "return",
            reason="不属于本单位职责",
            basis="依据《三定方案》该事项由其他部门负责",
            suggested_unit=other,
        )
        story.step(d, s.workorder_approve_return, note="退单理由充分")
        story.step(d, s.workorder_dispatch, to_unit=other)
        h = ho
    story.step(h, s.workorder_accept)
    if path == "bounced":
        _request(story, h, "return", reason="非我单位职责", basis="无", suggested_unit=other)
        story.step(d, s.workorder_reject_return, reason="退单依据不充分，按首接负责制办理")
    if path == "extension":
        story.step(h, s.workorder_request_extension, days=3, reason="需协调多个部门现场会商")
        story.step(d, s.workorder_approve_extension)
    if path == "urged":
        story.step(d, s.workorder_urge, note="已超期，请尽快办理")
        story.step("supervisor", s.workorder_urge, note="纪委监委督办")
        return
    story.step(h, s.workorder_contact, note="已电话联系诉求人，了解具体情况")
    if story.rng.random() < 0.5:
        story.step(h, s.workorder_visit, note="已到现场查看核实")
    asked = story.order.text[:16] if story.order else ""
    story.step(
        h,
        s.workorder_reply,
        text=f"关于您反映的“{asked}”，{story.rng.choice(REPLIES)}，感谢您的监督。",
    )
    if path == "rejected_close":
        _request(story, h, "close", result="已答复")
        story.step(d, s.workorder_reject_close, reason="未解决实际问题，请重新办理")
        story.step(h, s.workorder_visit, note="再次现场核实并督促整改")
    # In a unit that reviews its requests, a closed order's first submission is sent back once,
    # and the extension path's order is left waiting for the lead (the lead's 待本单位审核).
    if not _request(
        story,
        h,
        "close",
        send_back="请补充现场核实情况和诉求人意见后重新提交" if path == "closed" else "",
        stop=path == "extension",
        result="问题已解决，已答复诉求人",
    ):
        return
    story.step(d, s.workorder_approve_close)
    if path == "closed":  # 待回访: left for the agents' worklist, the older ones past the limit
        return
    satisfied = path != "unsatisfied"
    story.step(
        "agent", s.workorder_follow_up, reached=True, resolved=satisfied, satisfied=satisfied
    )
    if path == "unsatisfied":
        story.step(d, s.workorder_reopen, reason="回访不满意，重新办理")
        return
    if path == "rated":
        story.step("citizen", s.workorder_rate, score=5, comment="办理及时，很满意")
    if path == "archived":
        story.step(d, s.workorder_archive)


def _request(
    story: _Story, h: str, what: str, *, send_back: str = "", stop: bool = False, **fields: object
) -> bool:
    """A handler's return (``what`` "return") or closure request. Where the unit reviews its
    requests (单位审核) it is submitted to the lead, who forwards it (first sending it back once
    with ``send_back``, when given); ``stop`` leaves it waiting for the lead. Whether it reached
    the center."""
    unit = h.removeprefix("handler-")
    steps: dict[str, tuple[Callable[..., WorkOrder], Callable[..., WorkOrder]]] = {
        "return": (s.workorder_submit_return, s.workorder_request_return),
        "close": (s.workorder_submit_close, s.workorder_request_close),
    }
    submit, request = steps[what]
    if unit not in REVIEW_UNITS:
        story.step(h, request, **fields)
        return True
    lead = f"lead-{unit}"
    story.step(h, submit, **fields)
    if send_back:
        story.step(lead, s.workorder_send_back, reason=send_back)
        story.step(h, s.workorder_visit, note="按单位负责人意见再次现场核实")
        story.step(h, submit, **fields)
    if stop:
        return False
    story.step(lead, request)
    return True


PATHS = [
    "closed",
    "closed",
    "closed",
    "direct",
    "returned",
    "bounced",
    "extension",
    "urged",
    "rejected_close",
    "unsatisfied",
    "archived",
    "open",
    "merge",
    "rated",
    "waiting",
]

"""The demo city: 26 handling units, 22 categories, areas, the dispatch catalogue and knowledge
base, users for every role and 40 agents; 90 days of imported history with planted misconduct
(``demo_city``), a hundred orders walked through the services into every state, three days of
the call center's queue_log (agents sitting in "busy", one leaving the post; phone orders carry
the id of the call they were taken from, so 受理率 has something to join); then the dispatch model
is trained and the supervision engine run."""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from hotline import clock, demo_city
from hotline.accounts.models import Unit, User
from hotline.callcenter.models import CallLogImport
from hotline.callcenter.services import calllog_import
from hotline.dispatch.models import Area, KnowledgeArticle
from hotline.dispatch.selectors import model_path
from hotline.dispatch.services import (
    catalogue_entry_save,
    dispatch_model_train_from_db,
    knowledge_article_save,
)
from hotline.domain import callcenter
from hotline.domain.callcenter.simulate import simulate_queue_log
from hotline.domain.lifecycle import Role
from hotline.open311.models import Open311Key
from hotline.paths import VAR_DIR
from hotline.supervision.selectors import database_report
from hotline.workorders import services as s
from hotline.workorders.models import Category, SlaPolicy, WorkOrder

DEMO_PASSWORD = "hotline-demo"

CATEGORIES = demo_city.CATEGORIES
# Orders walked through the services today, in every state; the rest is imported history.
LIVE_ORDERS = 100
AREAS = demo_city.AREAS
AGENTS = 40
CALL_DAYS = 3
ARTICLES = [  # 知识库: what agents read out to answer on the spot
    (
        "居住证办理流程",
        "办理居住证需携带身份证、租房合同或房产证明，到居住地派出所或政务服务中心申请。",
        "",
    ),
    (
        "夜间施工噪音投诉",
        "夜间22时至次日6时禁止产生环境噪声污染的建筑施工作业，抢修抢险除外。",
        "noise",
    ),
    ("拖欠工资如何维权", "可向用人单位所在地劳动保障监察机构投诉，或申请劳动争议仲裁。", "wages"),
    (
        "义务教育入学报名",
        "入学报名材料为户口簿、房产证明及儿童预防接种证，具体以区教育局公告为准。",
        "school",
    ),
    (
        "物业服务投诉渠道",
        "物业服务不到位可先向业主委员会反映，再向街道办事处或区住建部门投诉。",
        "property",
    ),
]
REPLIES = (
    "经现场核实，已责成责任单位限期整改",
    "我单位已约谈相关责任方并督促落实",
    "已联合街道现场处置，问题已解决",
    "已安排专人跟进，整改情况将电话告知您",
    "经调查情况属实，已依法下达整改通知书",
)
PLACES = ["朝阳路18号", "和平里小区3号楼", "人民广场东侧", "建设路与解放路交叉口", "幸福家园南门"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


def _user(username: str, role: Role, unit: Unit | None, name: str) -> User:
    # One hash for every demo user: hashing is deliberately slow and the demo must start fast.
    user = User(username=username, first_name=name, role=role, unit=unit)
    user.password = _password_hash()
    if role is Role.ADMIN:
        user.is_staff = user.is_superuser = True
    user.save()
    return user


@functools.cache
def _password_hash() -> str:
    return make_password(DEMO_PASSWORD)


def _seed_reference() -> dict[str, User]:
    center = Unit.objects.get(code="center")
    units: dict[str, Unit] = {}
    for code, name, parent in demo_city.unit_rows():
        units[code] = Unit.objects.create(code=code, name=name, parent=units.get(parent))
    discipline = Unit.objects.create(code="jiwei", name="市纪委监委")
    for code, name, _, _ in CATEGORIES:
        Category.objects.create(code=code, name=name)
    _seed_dispatch(units)
    SlaPolicy.objects.create(urgency="normal", accept_hours=2, handle_days=5)
    SlaPolicy.objects.create(urgency="urgent", accept_hours=0.5, handle_days=1)
    users = {
        "agent": _user("agent", Role.AGENT, center, "话务员小王"),
        **{
            f"agent{n:02d}": _user(f"agent{n:02d}", Role.AGENT, center, f"话务员{n:02d}")
            for n in range(1, AGENTS + 1)
        },
        "dispatcher": _user("dispatcher", Role.DISPATCHER, center, "派单员小李"),
        "supervisor": _user("supervisor", Role.SUPERVISOR, discipline, "纪检监察员老赵"),
        "citizen": _user("citizen", Role.CITIZEN, None, "市民张先生"),
        "admin": _user("admin", Role.ADMIN, center, "系统管理员"),
    }
    for code in units:
        users[f"handler-{code}"] = _user(f"handler-{code}", Role.HANDLER, units[code], "承办人")
        users[f"lead-{code}"] = _user(f"lead-{code}", Role.UNIT_LEAD, units[code], "负责人")
    return users


def _seed_dispatch(units: dict[str, Unit]) -> None:
    """Areas, the dispatch catalogue (派单目录) and a few knowledge-base articles."""
    for code, name, parent in AREAS:
        Area.objects.create(code=code, name=name, parent=Area.objects.filter(code=parent).first())
    for code, _name, home, _text in CATEGORIES:
        catalogue_entry_save(actor="demo", category=code, lead_unit=home)
    # On 东华门街道, noise and greening go to the street office first, the bureau assisting.
    for code, bureau in (("noise", "shengtai"), ("greening", "lvhua")):
        catalogue_entry_save(
            actor="demo",
            category=code,
            area="donghuamen",
            lead_unit="dongcheng-jd1",
            assist_units=[bureau],
        )
    for title, body, category in ARTICLES:
        knowledge_article_save(title=title, body=body, category=category)


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
        story.step(
            h,
            s.workorder_request_return,
            reason="不属于本单位职责",
            basis="依据《三定方案》该事项由其他部门负责",
            suggested_unit=other,
        )
        story.step(d, s.workorder_approve_return, note="退单理由充分")
        story.step(d, s.workorder_dispatch, to_unit=other)
        h = ho
    story.step(h, s.workorder_accept)
    if path == "bounced":
        story.step(
            h, s.workorder_request_return, reason="非我单位职责", basis="无", suggested_unit=other
        )
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
        story.step(h, s.workorder_request_close, result="已答复")
        story.step(d, s.workorder_reject_close, reason="未解决实际问题，请重新办理")
        story.step(h, s.workorder_visit, note="再次现场核实并督促整改")
    story.step(h, s.workorder_request_close, result="问题已解决，已答复诉求人")
    story.step(d, s.workorder_approve_close)
    satisfied = path != "unsatisfied"
    story.step(d, s.workorder_follow_up, reached=True, resolved=satisfied, satisfied=satisfied)
    if path == "unsatisfied":
        story.step(d, s.workorder_reopen, reason="回访不满意，重新办理")
        return
    if path == "rated":
        story.step("citizen", s.workorder_rate, score=5, comment="办理及时，很满意")
    if path == "archived":
        story.step(d, s.workorder_archive)


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


@transaction.atomic
def build_demo(*, orders: int = 5000, out: TextIO, seed: int = 12345) -> None:
    if WorkOrder.objects.exists():
        out.write("demo: the database already has orders; seeding skipped\n")
        return
    rng = random.Random(seed)
    users = _seed_reference()
    live = min(orders, LIVE_ORDERS)
    imported = demo_city.history_import(orders=orders - live)
    out.write(f"history: {imported} orders over 90 days imported (planted misconduct included)\n")
    first = timezone.now() - timedelta(days=10)
    created: list[str] = []
    call_ids = _seed_call_center(live)
    for i in range(live):
        code, _name, home, phrases = CATEGORIES[i % len(CATEGORIES)]
        other = CATEGORIES[(i + 3) % len(CATEGORIES)][2]
        place = rng.choice(PLACES)
        text = f"{place}{rng.choice(phrases)}，{rng.choice(demo_city.DETAILS)}。"
        story = _Story(users, first + timedelta(minutes=i * 130), rng)
        path = PATHS[i % len(PATHS)]
        by_citizen = path == "rated"
        story.step(
            "citizen" if by_citizen else "agent",
            s.workorder_create,
            channel="web" if by_citizen else "phone",
            kind=rng.choice(["consult", "help", "complaint", "complaint", "report", "suggestion"]),
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
        _walk(story, path, home, other, created[-1] if created else None)
        assert story.order is not None
        created.append(story.order.number)
    model = dispatch_model_train_from_db(path=model_path())
    out.write(f"dispatch model trained on {model.info.training_rows} confirmed dispatches\n")
    report = database_report()
    out.write(
        f"supervision: {report['summary']['findings']} findings on "
        f"{report['summary']['orders_flagged']} orders (天眼 dashboard: /tianyan/)\n"
    )
    _print_logins(out, WorkOrder.objects.count())


def _seed_call_center(orders: int) -> list[str]:
    """The last days' queue_log of 40 agents, imported; returns answered call ids for the phone
    orders."""
    path = Path(VAR_DIR) / "demo_queue_log"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as out:
        center = simulate_queue_log(
            out,
            start=timezone.localdate() - timedelta(days=CALL_DAYS),
            days=CALL_DAYS,
            agents=AGENTS,
            calls_per_day=max(200, orders * 15),
        )
    if not CallLogImport.objects.exists():
        calllog_import(path=path, shifts=center.shifts, actor_name="demo")
    answered = callcenter.load(path).rows(
        "SELECT call_id FROM calls WHERE outcome = 'answered' ORDER BY entered_at DESC"
    )
    return [row["call_id"] for row in answered]


def _print_logins(out: TextIO, orders: int) -> None:
    out.write(f"demo city ready: {orders} orders, {Unit.objects.count()} units\n")
    key, _ = Open311Key.objects.get_or_create(
        name="demo city app", defaults={"account": User.objects.get(username="agent")}
    )
    out.write(f"Open311 GeoReport v2: /open311/v2/discovery.json  (api_key {key.key})\n")
    calls = CallLogImport.objects.first()
    if calls is not None:
        out.write(
            f"call center: {calls.calls_added} calls over the last {CALL_DAYS} days, "
            f"{calls.findings.count()} agent findings (GET /api/callcenter/findings)\n"
        )
    out.write(f"log-ins (password for all: {DEMO_PASSWORD}):\n")
    for username, role in [
        ("agent", "话务员 agent"),
        ("dispatcher", "派单员 dispatcher"),
        ("handler-zhujian", "承办人 handler"),
        ("lead-zhujian", "单位负责人 unit_lead"),
        ("supervisor", "纪检监察 supervisor"),
        ("citizen", "市民 citizen"),
        ("admin", "管理员 admin"),
    ]:
        out.write(f"  {role:<24} {username}\n")

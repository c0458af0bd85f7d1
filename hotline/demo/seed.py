"""``build_demo``: seeds the demo city in order and prints where to look and how to log in."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any, TextIO

from django.db import transaction
from django.utils.timezone import localdate

from hotline import clock
from hotline.accounts.models import Unit, User
from hotline.accounts.second_factor import demo_device_seed
from hotline.callcenter.models import CallLogImport
from hotline.demo.calls import CALL_DAYS, call_center_seed
from hotline.demo.history import history_import
from hotline.demo.hotspot import SURGE, hotspot_seed
from hotline.demo.live import LIVE_ORDERS, live_orders_walk
from hotline.demo.reference import DEMO_PASSWORD, reference_seed
from hotline.dispatch.selectors import model_path
from hotline.dispatch.services import dispatch_model_train_from_db
from hotline.open311.models import Open311Key
from hotline.supervision.circulars import circular_draft, circular_publish, number_proposed
from hotline.supervision.liaison import open_cases, order_hand_to_case
from hotline.supervision.models import CaseOrder, SupervisionCase
from hotline.supervision.selectors import database_report
from hotline.supervision.services import (
    case_close,
    case_hold_accountable,
    case_notify_rectification,
    case_open,
    case_report_rectification,
    case_verify,
)
from hotline.workorders.models import WorkOrder
from hotline.workorders.selectors import restrict_orders
from hotline.workorders.services import workorder_mark_key

LOGINS = [  # one per role, printed at the end
    ("agent", "话务员 agent"),
    ("dispatcher", "派单员 dispatcher"),
    ("handler-zhujian", "承办人 handler"),
    ("lead-zhujian", "单位负责人 unit_lead"),
    ("supervisor", "纪检监察 supervisor"),
    ("citizen", "市民 citizen"),
    ("admin", "管理员 admin"),
    ("director", "中心负责人 director"),
    ("liaison", "联络员 liaison"),
]

SECOND_FACTOR_LOGINS = ("supervisor", "admin", "liaison")


@transaction.atomic
def build_demo(*, orders: int = 5000, out: TextIO, seed: int = 12345) -> None:
    """Seed ``orders`` orders (a hundred of them live, the rest history) into an empty database;
    a database that already has orders is left as it is."""
    if WorkOrder.objects.exists():
        out.write("demo: the database already has orders; seeding skipped\n")
        return
    users = reference_seed()
    # 二次验证 is required for these roles; the demo gives them one known secret (the code
    # page shows the current code in demo mode, see hotline.accounts.second_factor).
    for username in SECOND_FACTOR_LOGINS:
        demo_device_seed(user=users[username])
    # The live hotspot's calls count among the orders asked for (a quarter of a tiny demo).
    surging = min(len(SURGE), orders // 4)
    live = min(orders - surging, LIVE_ORDERS)
    imported = history_import(orders=orders - live - surging)
    out.write(f"history: {imported} orders over 90 days imported (planted misconduct included)\n")
    call_ids = call_center_seed(orders=live)
    live_orders_walk(count=live, users=users, call_ids=call_ids, rng=random.Random(seed))
    surge = hotspot_seed(users=users, count=surging)
    out.write(f"hotspot (热点预警): {len(surge)} calls about one building today (/hotspots/)\n")
    model = dispatch_model_train_from_db(path=model_path())
    out.write(f"dispatch model trained on {model.info.training_rows} confirmed dispatches\n")
    report = database_report()
    out.write(
        f"supervision: {report['summary']['findings']} findings on "
        f"{report['summary']['orders_flagged']} orders (天眼 dashboard: /tianyan/)\n"
    )
    cases = cases_seed(findings=report["findings"], users=users)
    out.write(
        f"supervision cases (线索): {len(cases)} opened from the planted culprits' findings, "
        "one taken through 整改 and 问责 and circulated (通报)\n"
    )
    marked = key_orders_seed(findings=report["findings"], users=users)
    out.write(
        f"liaison (联络员, 东城区): {marked} key orders (重点工单) marked, one handed to a case\n"
    )
    _print_logins(out=out, orders=WorkOrder.objects.count())


# 线索 an inspector would open first: the planted culprits' rejected returns and closures.
CASES = (
    ("rejected_return", "退单依据不足被驳回，仍推诿不办"),
    ("close_without_contact", "未联系诉求人即申请办结"),
)
CASE_FINDINGS = 3


def cases_seed(*, findings: list[dict[str, Any]], users: dict[str, User]) -> list[str]:
    """Open a case per planted pattern with its first findings and verify it (核实); send each a
    整改通知 to its first unit. The first is then answered by that unit's lead, 问责 recorded,
    closed and circulated (通报), so every page of the inspector's workflow has something."""
    supervisor = users["supervisor"]
    opened = []
    for detector, title in CASES:
        chosen = [f for f in findings if f["detector"] == detector][:CASE_FINDINGS]
        if not chosen:
            continue
        units = sorted({f["unit"] for f in chosen if f.get("unit")})
        case = case_open(
            actor=supervisor,
            title=title,
            units=units,
            detector=detector,
            findings=[
                {k: f[k] for k in ("order", "detector", "explanation", "evidence")} for f in chosen
            ],
        )
        case_verify(actor=supervisor, case=case, confirmed=True, note="经核实，情况属实")
        if units:
            case_notify_rectification(
                actor=supervisor,
                case=case,
                unit=units[0],
                deadline=localdate(clock.now()) + timedelta(days=10),
                requirements="逐件复核涉及工单，说明原因并提交整改报告",
            )
        opened.append(case.number)
    if opened and (case := SupervisionCase.objects.get(number=opened[0])).units:
        _case_concluded(case=case, users=users)
    return opened


KEY_ORDERS = 5
KEY_NOTES = (
    "同一诉求反复流转，群众多次来电，列为重点工单",
    "未联系诉求人即申请办结，需重点跟踪",
    "涉及群众切身利益，办理进度缓慢",
)


def key_orders_seed(*, findings: list[dict[str, Any]], users: dict[str, User]) -> int:
    """The liaison marks the first flagged orders of 东城区 as key orders (重点工单) and hands
    the first to a case still taking orders, so their workbench has something to show."""
    liaison = users["liaison"]
    flagged = list(dict.fromkeys(str(f["order"]) for f in findings if f.get("order")))
    in_scope = set(
        restrict_orders(liaison)
        .filter(number__in=flagged)
        .exclude(state="merged")
        .values_list("number", flat=True)
    )
    chosen = [number for number in flagged if number in in_scope][:KEY_ORDERS]
    for index, number in enumerate(chosen):
        workorder_mark_key(actor=liaison, order=number, note=KEY_NOTES[index % len(KEY_NOTES)])
    cases = open_cases(user=liaison)
    case = cases[0]["number"] if cases else ""
    attached = set(CaseOrder.objects.filter(case__number=case).values_list("order", flat=True))
    for number in [n for n in chosen if n not in attached][:1] if case else []:
        order_hand_to_case(actor=liaison, order=number, case=case, note="联络员梳理的重点工单")
    return len(chosen)


def _case_concluded(*, case: SupervisionCase, users: dict[str, User]) -> None:
    supervisor, unit = users["supervisor"], case.units[0]
    lead = users.get(f"lead-{unit}")
    if lead is not None:
        case_report_rectification(
            actor=lead, case=case, report="已逐件复核，重新办理涉及工单，并建立退单内部审核制度"
        )
    case_hold_accountable(
        actor=supervisor,
        case=case,
        sanctions=[
            {"person": "王某", "unit": unit, "position": "科长", "form": "诫勉"},
            {"person": "李某", "unit": unit, "position": "科员", "form": "谈话提醒"},
        ],
    )
    case_close(actor=supervisor, case=case, conclusion="问题属实，已整改，相关责任人已问责")
    today = localdate(clock.now())
    circular = circular_draft(
        actor=supervisor,
        number=number_proposed(year=today.year),
        title="关于接诉即办工作中推诿扯皮问题的通报",
        issued_on=today,
        cases=[case.number],
    )
    circular_publish(actor=supervisor, circular=circular)


def _print_logins(*, out: TextIO, orders: int) -> None:
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
    for username, role in LOGINS:
        out.write(f"  {role:<24} {username}\n")
    out.write(
        f"  {', '.join(SECOND_FACTOR_LOGINS)} also need a code (二次验证): the code page shows"
        " it in the demo, or add the secret JBSWY3DPEHPK3PXP to an authenticator app\n"
    )

"""``build_demo``: seeds the demo city in order and prints where to look and how to log in."""

from __future__ import annotations

import random
from typing import Any, TextIO

from django.db import transaction

from hotline.accounts.models import Unit, User
from hotline.accounts.second_factor import demo_device_seed
from hotline.callcenter.models import CallLogImport
from hotline.demo.calls import CALL_DAYS, call_center_seed
from hotline.demo.history import history_import
from hotline.demo.live import LIVE_ORDERS, live_orders_walk
from hotline.demo.reference import DEMO_PASSWORD, reference_seed
from hotline.dispatch.selectors import model_path
from hotline.dispatch.services import dispatch_model_train_from_db
from hotline.open311.models import Open311Key
from hotline.supervision.selectors import database_report
from hotline.supervision.services import case_open, case_verify
from hotline.workorders.models import WorkOrder

LOGINS = [  # one per role, printed at the end
    ("agent", "话务员 agent"),
    ("dispatcher", "派单员 dispatcher"),
    ("handler-zhujian", "承办人 handler"),
    ("lead-zhujian", "单位负责人 unit_lead"),
    ("supervisor", "纪检监察 supervisor"),
    ("citizen", "市民 citizen"),
    ("admin", "管理员 admin"),
]

SECOND_FACTOR_LOGINS = ("supervisor", "admin")


@transaction.atomic
def build_demo(*, orders: int = 5000, out: TextIO, seed: int = 12345) -> None:
    """Seed ``orders`` orders (a hundred of them live, the rest history) into an empty database;
    a database that already has orders is left as it is."""
    if WorkOrder.objects.exists():
        out.write("demo: the database already has orders; seeding skipped\n")
        return
    users = reference_seed()
    # 二次验证 is required for these two roles; the demo gives them one known secret (the code
    # page shows the current code in demo mode, see hotline.accounts.second_factor).
    for username in SECOND_FACTOR_LOGINS:
        demo_device_seed(user=users[username])
    live = min(orders, LIVE_ORDERS)
    imported = history_import(orders=orders - live)
    out.write(f"history: {imported} orders over 90 days imported (planted misconduct included)\n")
    call_ids = call_center_seed(orders=live)
    live_orders_walk(count=live, users=users, call_ids=call_ids, rng=random.Random(seed))
    model = dispatch_model_train_from_db(path=model_path())
    out.write(f"dispatch model trained on {model.info.training_rows} confirmed dispatches\n")
    report = database_report()
    out.write(
        f"supervision: {report['summary']['findings']} findings on "
        f"{report['summary']['orders_flagged']} orders (天眼 dashboard: /tianyan/)\n"
    )
    cases = cases_seed(findings=report["findings"], supervisor=users["supervisor"])
    out.write(f"supervision cases (线索): {cases} opened from the planted culprits' findings\n")
    _print_logins(out=out, orders=WorkOrder.objects.count())


# 线索 an inspector would open first: the planted culprits' rejected returns and closures.
CASES = (
    ("rejected_return", "退单依据不足被驳回，仍推诿不办"),
    ("close_without_contact", "未联系诉求人即申请办结"),
)
CASE_FINDINGS = 3


def cases_seed(*, findings: list[dict[str, Any]], supervisor: User) -> int:
    """Open a case per planted pattern with its first findings and verify it (核实), so the
    dashboard lists cases and ``events verify`` walks a case stream too."""
    opened = 0
    for detector, title in CASES:
        chosen = [f for f in findings if f["detector"] == detector][:CASE_FINDINGS]
        if not chosen:
            continue
        case = case_open(
            actor=supervisor,
            title=title,
            units=sorted({f["unit"] for f in chosen if f.get("unit")}),
            detector=detector,
            findings=[
                {k: f[k] for k in ("order", "detector", "explanation", "evidence")} for f in chosen
            ],
        )
        case_verify(actor=supervisor, case=case, confirmed=True, note="经核实，情况属实")
        opened += 1
    return opened


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

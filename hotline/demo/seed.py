"""``build_demo``: seeds the demo city in order and prints where to look and how to log in."""

from __future__ import annotations

import random
from typing import TextIO

from django.db import transaction

from hotline.accounts.models import Unit, User
from hotline.callcenter.models import CallLogImport
from hotline.demo.calls import CALL_DAYS, call_center_seed
from hotline.demo.history import history_import
from hotline.demo.live import LIVE_ORDERS, live_orders_walk
from hotline.demo.reference import DEMO_PASSWORD, reference_seed
from hotline.dispatch.selectors import model_path
from hotline.dispatch.services import dispatch_model_train_from_db
from hotline.open311.models import Open311Key
from hotline.supervision.selectors import database_report
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


@transaction.atomic
def build_demo(*, orders: int = 5000, out: TextIO, seed: int = 12345) -> None:
    """Seed ``orders`` orders (a hundred of them live, the rest history) into an empty database;
    a database that already has orders is left as it is."""
    if WorkOrder.objects.exists():
        out.write("demo: the database already has orders; seeding skipped\n")
        return
    users = reference_seed()
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
    _print_logins(out=out, orders=WorkOrder.objects.count())


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

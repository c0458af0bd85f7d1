"""Benchmark: server time of every page of the web application on the demo city's database.

    .venv/bin/python bench/web_pages.py [--orders 5000] [--repeats 20]

Builds the demo (``hotline demo --no-serve --orders N``) in a temporary folder, then requests
every page in-process through ``django.test.Client`` (routing, middleware, sessions, templates:
what the server spends, without the network), signed in as the role the page is for, ``--repeats``
times each, and prints p50 / p95 / max per page. Peer in the same run: the API's
``GET /api/orders`` list (50 orders, JSON) as the same user. Target (issue 6): no page takes more
than 300 ms. The 天眼 dashboard's first view computes the supervision report and is reported
apart (it is cached for later views).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, print_machine, summary_ms

TARGET_MS = 300.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    print_machine()
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        os.environ.pop("DATABASE_URL", None)
        os.environ["HOTLINE_VAR"] = tmp
        db = Path(tmp) / "demo.sqlite3"
        import subprocess

        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "hotline.cli", "--db", str(db), "demo", "--no-serve",
             "--orders", str(args.orders)],
            cwd=ROOT, check=True, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        print(f"\ndemo city with {args.orders} orders built in {time.perf_counter() - start:.1f} s")
        os.environ["HOTLINE_DB"] = str(db)
        os.environ["DJANGO_SETTINGS_MODULE"] = "hotline.settings"
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        return 0 if measure(args.repeats) else 1


def measure(repeats: int) -> bool:
    from django.test import Client

    from hotline.accounts.models import User
    from hotline.workorders.models import WorkOrder

    def client(username: str) -> Client:
        c = Client()
        c.force_login(User.objects.get(username=username))
        return c

    open_order = WorkOrder.objects.filter(state="received").order_by("-id").first()
    handled = WorkOrder.objects.filter(state="handling").order_by("-id").first()
    closed = WorkOrder.objects.filter(state="closed").order_by("-id").first()
    assert open_order and handled and closed
    handler = f"handler-{handled.current_unit}"
    pages = [
        ("agent", "/intake/"),
        ("agent", f"/orders/{closed.number}/"),
        ("dispatcher", "/dispatch/"),
        ("dispatcher", f"/orders/{open_order.number}/"),
        ("dispatcher", "/orders/"),
        ("dispatcher", "/orders/?state=closed&page=3"),
        (handler, "/inbox/"),
        (handler, f"/orders/{handled.number}/"),
        ("citizen", "/my/"),
        ("citizen", "/my/new/"),
        ("supervisor", "/tianyan/"),
        ("supervisor", "/tianyan/?detector=bounce"),
        ("admin", "/orders/?q=电梯"),
        (None, "/track/"),
        (None, "/login/"),
    ]
    from hotline.web.warmup import warm_caches

    t = time.perf_counter()
    warm_caches()  # what `hotline serve` does in the background as it starts
    cold = (time.perf_counter() - t) * 1000
    print(f"warm-up at server start (indexes + supervision report): {cold:.0f} ms")
    print(f"\n{'page':52s} {'p50':>8s} {'p95':>8s} {'max':>8s}  (ms, {repeats} requests)")
    worst = 0.0
    for username, path in pages:
        c = client(username) if username else Client()
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            response = c.get(path)
            times.append(time.perf_counter() - t)
            assert response.status_code == 200, (path, response.status_code)
        s = summary_ms(times)
        worst = max(worst, s["max"])
        label = f"{username or 'anonymous'} {path}"
        print(f"{label:52s} {s['p50']:8.1f} {s['p95']:8.1f} {s['max']:8.1f}")
    peer = client("dispatcher")
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        assert peer.get("/api/orders?page_size=50").status_code == 200
        times.append(time.perf_counter() - t)
    s = summary_ms(times)
    label = "peer: dispatcher GET /api/orders?page_size=50"
    print(f"{label:52s} {s['p50']:8.1f} {s['p95']:8.1f} {s['max']:8.1f}")
    print(f"\nslowest page request: {worst:.0f} ms (target {TARGET_MS:.0f} ms)")
    return worst <= TARGET_MS


if __name__ == "__main__":
    sys.exit(main())

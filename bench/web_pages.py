"""Benchmark: server time of every page of the web application on the demo city's database.

    .venv/bin/python bench/web_pages.py [--orders 5000] [--repeats 20] [--per-shape 1]

Builds the demo (``hotline demo --no-serve --orders N``) in a temporary folder, then, signed in as
each demo role (``hotline.demo.seed.LOGINS``, second factor verified for those who need one),
finds the role's pages the way the crawler test does (tests/common/crawl.py): from the home page,
every same-origin link, one URL per URL shape (ids and codes replaced), never a POST, a download
or log-out. To those it adds a fixed list (the pages of issues 6 and 14, whichever exist: a 404 is
skipped with a note). Each page is then requested in-process through ``django.test.Client``
(routing, middleware, sessions, templates: what the server spends, without the network)
``--repeats`` times, and p50 / p95 / max are printed per page. Peer in the same run: the API's
``GET /api/orders`` list (50 orders, JSON) as the dispatcher. Target (issue 14): every page
p95 < 300 ms. The 天眼 dashboard's report is computed by the warm-up ``hotline serve`` starts
with, timed apart.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, print_machine, summary_ms

TARGET_MS = 300.0
MAX_PAGES_PER_ROLE = 80


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--per-shape", type=int, default=1, help="URLs measured per URL shape")
    args = parser.parse_args()
    print_machine()
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        os.environ.pop("DATABASE_URL", None)
        os.environ["HOTLINE_VAR"] = tmp
        os.environ["HOTLINE_FAST_PASSWORDS"] = "1"
        db = Path(tmp) / "demo.sqlite3"
        import subprocess

        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "hotline.cli", "--db", str(db), "demo", "--no-serve",
             "--orders", str(args.orders)],
            cwd=ROOT, check=True, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        print(f"\ndemo city with {args.orders} orders built in {time.perf_counter() - start:.1f} s")
        os.environ["HOTLINE_DB"] = str(db)
        os.environ["DJANGO_SETTINGS_MODULE"] = "hotline.settings"
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        return 0 if measure(args.repeats, args.per_shape) else 1


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("href"):
            self.links.append((str(found["href"]), "download" in found))


def _client(username: str | None) -> Any:
    from django.test import Client

    from hotline.accounts.models import User
    from tests.common.second_factor import force_login_verified

    client = Client()
    if username:
        force_login_verified(client, User.objects.get(username=username))
    return client


def discover(client: Any, codes: set[str], per_shape: int) -> list[str]:
    """The pages a role reaches from its home page, as the crawler test walks them."""
    from tests.common.crawl import FILE_QUERIES, FILES, SKIP, url_shape

    queue: deque[str] = deque(["/"])
    seen: set[str] = set()
    shapes: dict[str, int] = {}
    pages: list[str] = []
    while queue and len(pages) < MAX_PAGES_PER_ROLE:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        shape = url_shape(url, codes)
        if shapes.get(shape, 0) >= per_shape:
            continue
        shapes[shape] = shapes.get(shape, 0) + 1
        response = client.get(url)
        if response.status_code in (301, 302):
            queue.appendleft(urljoin(url, response["Location"]))
            continue
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        pages.append(url)
        parser = _Links()
        parser.feed(response.content.decode("utf-8", errors="replace"))
        for href, download in parser.links:
            parts = urlsplit(urljoin(url, href))
            if parts.netloc not in ("", "testserver") or download:
                continue
            if SKIP.search(parts.path) or FILES.search(parts.path):
                continue
            if FILE_QUERIES.search(parts.query):
                continue
            queue.append(urlunsplit(("", "", parts.path, parts.query, "")))
    return pages


def fixed_pages() -> list[tuple[str | None, str]]:
    """Pages measured whether or not a link leads to them (issue 6's list and issue 14's pages)."""
    from hotline.accounts.models import Unit, User
    from hotline.workorders.models import WorkOrder

    open_order = WorkOrder.objects.filter(state="received").order_by("-id").first()
    handled = WorkOrder.objects.filter(state="handling").order_by("-id").first()
    closed = WorkOrder.objects.filter(state="closed").order_by("-id").first()
    assert open_order and handled and closed
    handler = f"handler-{handled.current_unit}"
    if not User.objects.filter(username=handler).exists():
        handler = "handler-zhujian"
    director = "director" if User.objects.filter(username="director").exists() else "admin"
    unit = Unit.objects.order_by("code").values_list("code", flat=True).first()
    return [
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
        ("supervisor", "/cases/"),
        ("supervisor", "/cases/totals/"),
        ("supervisor", "/circulars/"),
        ("supervisor", "/scorecards/"),
        ("supervisor", f"/units/{unit}/"),
        (director, "/callcenter/"),
        (director, "/callcenter/agents/"),
        (director, "/callcenter/planner/"),
        ("admin", "/orders/?q=电梯"),
        (None, "/track/"),
        (None, "/login/"),
    ]


def measure(repeats: int, per_shape: int) -> bool:
    from hotline.demo.seed import LOGINS
    from hotline.web.warmup import warm_caches
    from tests.common.crawl import internal_codes, url_shape

    t = time.perf_counter()
    warm_caches()  # what `hotline serve` does in the background as it starts
    cold = (time.perf_counter() - t) * 1000
    print(f"warm-up at server start (indexes + supervision report): {cold:.0f} ms")

    codes = internal_codes()
    clients = {None: _client(None)} | {u: _client(u) for u, _ in LOGINS}
    pages: list[tuple[str | None, str]] = []
    notes: list[str] = []
    for username, path in fixed_pages():
        if username not in clients:
            clients[username] = _client(username)
        client = clients[username]
        status = client.get(path).status_code
        if status == 404:
            notes.append(f"skipped (404, not built yet): {username} {path}")
        elif status != 200:
            notes.append(f"ERROR: {username} {path} answered {status}")
        else:
            pages.append((username, path))
    fixed = {(u, url_shape(p, codes)) for u, p in pages}
    for username, _ in LOGINS:
        for path in discover(clients[username], codes, per_shape):
            if (username, url_shape(path, codes)) not in fixed:
                pages.append((username, path))
                fixed.add((username, url_shape(path, codes)))

    print(f"\n{len(pages)} pages; {repeats} requests each")
    print(f"{'page':64s} {'p50':>8s} {'p95':>8s} {'max':>8s}  (ms)")
    slow = []
    for username, path in pages:
        client = clients[username]
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - t)
            if response.status_code != 200:
                notes.append(f"ERROR: {username} {path} answered {response.status_code}")
                break
        s = summary_ms(times)
        label = f"{username or 'anonymous'} {path}"[:64]
        print(f"{label:64s} {s['p50']:8.1f} {s['p95']:8.1f} {s['max']:8.1f}")
        if s["p95"] > TARGET_MS:
            slow.append(f"{label} p95 {s['p95']:.0f} ms")
    peer = clients["dispatcher"]
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        assert peer.get("/api/orders?page_size=50").status_code == 200
        times.append(time.perf_counter() - t)
    s = summary_ms(times)
    label = "peer: dispatcher GET /api/orders?page_size=50"
    print(f"{label:64s} {s['p50']:8.1f} {s['p95']:8.1f} {s['max']:8.1f}")
    for note in notes:
        print(note)
    print(f"\npages over p95 {TARGET_MS:.0f} ms: {', '.join(slow) or 'none'}")
    return not slow and not any(n.startswith("ERROR") for n in notes)


if __name__ == "__main__":
    sys.exit(main())

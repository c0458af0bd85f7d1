"""The crawler: a small demo city, then every demo role logs in through the log-in page and a
real browser follows every link it can reach from the home page (bounded per URL shape, never a
POST, never log-out; downloads answered by a plain request). On every page it looks for an error
page, a console error, an internal code or a raw value shown as text, and runs axe-core
(0 serious or critical violations). One English crawl follows when the language switch exists.

All problems of all pages are collected, saved to var/test-artifacts/crawl.json and reported
together, one line each: role, URL, problem, excerpt.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings

from hotline.demo.reference import DEMO_PASSWORD
from hotline.demo.seed import LOGINS
from tests.browser.conftest import demo_city_built
from tests.common import crawl

CHROMIUM = os.environ.get("HOTLINE_CHROMIUM") or shutil.which("chromium") or ""
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="no chromium on PATH (set HOTLINE_CHROMIUM)"),
]
# Big enough that every page has something on it (findings, cases, calls, closed and live
# orders), small enough that the crawl stays well under two minutes a database.
DEMO_ORDERS = 300
ENGLISH_ROLE = "supervisor"  # sees the most pages


@pytest.fixture
def demo_city(live_server: object, transactional_db: None) -> Iterator[None]:
    """The demo city, committed, for the live server (the event guard is lifted for the flush
    at the end and put back after it, as tests/browser/conftest.py does)."""
    with demo_city_built(DEMO_ORDERS):
        yield


def _english_exists() -> bool:
    languages = {code for code, _ in getattr(settings, "LANGUAGES", [])}
    return "en" in languages and any("i18n" in str(p.pattern) for p in _root_urls())


def _root_urls() -> list[Any]:
    from hotline.urls import urlpatterns

    return list(urlpatterns)


def test_every_page_as_every_role(
    demo_city: None, live_server: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    base = live_server.url  # type: ignore[attr-defined]
    codes = crawl.internal_codes()
    english = _english_exists()
    results = []
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for username, _ in LOGINS:
            # bypass_csp: axe-core is injected as an inline script, which the pages' CSP forbids.
            context = chromium.new_context(
                bypass_csp=True, locale="zh-CN", viewport={"width": 1366, "height": 768}
            )
            page = context.new_page()
            page.set_default_timeout(15_000)
            try:
                crawl.log_in(page, base, username, DEMO_PASSWORD)
            except crawl.LoginFailed as failed:  # reported with the rest; the others go on
                problem = crawl.Problem(username, "/login/", "log-in failed", str(failed))
                results.append(crawl.CrawlResult(role=username, problems=[problem]))
                context.close()
                continue
            crawler = crawl.Crawler(page=page, base=base, role=username, codes=codes)
            results.append(crawler.crawl())
            if english and username == ENGLISH_ROLE:
                # The same session in English (an app code cannot be typed twice in 30 s).
                cookie = {"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": base}
                context.add_cookies([cookie])  # type: ignore[list-item]
                crawler = crawl.Crawler(
                    page=page,
                    base=base,
                    role=f"{username} (en)",
                    codes=codes,
                    check_codes=False,
                    per_shape=1,
                    language="en",
                )
                results.append(crawler.crawl())
            context.close()
        # No one signed in: the log-in page and the public tracking page.
        context = chromium.new_context(
            bypass_csp=True, locale="zh-CN", viewport={"width": 1366, "height": 768}
        )
        page = context.new_page()
        crawler = crawl.Crawler(
            page=page, base=base, role="anonymous", codes=codes, signed_in=False
        )
        results.append(crawler.crawl("/login/", "/track/"))
        context.close()
        chromium.close()
    crawl.save(results)
    assert not any(r.problems for r in results), crawl.report(results)
    for result in results:
        # Every role reaches more than its home page: a crawl that stops at once checks nothing.
        assert len(result.pages) >= 2, (result.role, result.pages)

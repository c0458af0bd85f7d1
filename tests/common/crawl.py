"""A crawler over the web pages as one role (or no one signed in): from the home page it follows
every same-origin link (bounded per URL shape), never POSTs, never logs out, answers downloads with
a plain request, and checks each page for what a person must never see: an error page, a console
error, a page in the wrong language (<html lang>), an internal code as text (unit, category, area,
state, action, detector, role, channel), a float with five or more decimals, a Python dict or list
repr, an ISO timestamp, or an accessibility violation that axe-core rates serious or critical.

Used by tests/browser/test_crawl.py, on the demo city; bench/web_pages.py walks the same shapes.
"""

from __future__ import annotations

import json
import re
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

AXE = Path(__file__).resolve().parents[1] / "browser" / "vendor" / "axe-core" / "axe.min.js"
ARTIFACT = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "crawl.json"

# Pages per URL shape (the path with ids and codes replaced, plus its query's names); axe-core
# runs on the first page of each shape (the others are the same template with other rows).
PER_SHAPE = 2
MAX_PAGES = 120  # per role: a guard against a link that makes new URLs forever
EXCERPT = 60  # characters each side of a finding

# Never followed: logging out, Django's own admin, the language switch (a POST anyway), the
# log-in pages (a signed-in person has no business there).
SKIP = re.compile(r"^/(logout|admin|i18n|login)(/|$)")
# Answered with a plain request (status only), never opened in the page: files and machine APIs.
FILES = re.compile(
    r"^/(api|open311|static|media)/|/attachments/|/download|\.(json|csv|docx|xlsx|pdf|zip|png|jpe?g|txt)$"
)
# Codes that are also words of the Chinese copy: "验证器 app" is how people name an
# authenticator (the channel `app` is shown as "APP").
ORDINARY_WORDS = {"app"}
FILE_QUERIES = re.compile(r"(^|&)(export|format|download)=")

# A code is a word of ASCII letters, digits, _ and - : look for it as a whole such word.
WORD_EDGE = r"(?<![A-Za-z0-9_\-.]){}(?![A-Za-z0-9_\-])"
FLOAT = re.compile(r"(?<![\d.])\d+\.\d{5,}(?!\d)")
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
REPR = re.compile(r"\{'|\['|': ")

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""
LINKS = """els => els.map(e => ({href: e.href, download: e.hasAttribute('download')}))"""


@dataclass(frozen=True)
class Problem:
    role: str
    url: str
    problem: str
    excerpt: str

    def line(self) -> str:
        return f"[{self.role}] {self.url}: {self.problem} — {self.excerpt}"


@dataclass
class CrawlResult:
    role: str
    pages: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def internal_codes() -> set[str]:
    """Every code a page must show by its name: the reference tables' unit, category and area
    codes, and the lifecycle's states, actions, roles and channels, and the detectors."""
    from hotline.accounts.models import Unit
    from hotline.domain.lifecycle import Action, Channel, Role, State
    from hotline.reference.models import Area, Category
    from hotline.web import labels

    codes: set[str] = set()
    for model in (Unit, Category, Area):
        codes.update(model.objects.values_list("code", flat=True))
    for enum in (State, Action, Role, Channel):
        codes.update(str(member) for member in enum)
    codes.update(getattr(labels, "DETECTORS", {}))
    return {c for c in codes if c} - ORDINARY_WORDS


def codes_pattern(codes: Iterable[str]) -> re.Pattern[str]:
    # Longest first, so `water-supply` is reported rather than a shorter code inside it.
    words = sorted({re.escape(c) for c in codes}, key=len, reverse=True)
    return re.compile(WORD_EDGE.format("(?:" + "|".join(words) + ")"))


def _excerpt(text: str, start: int, end: int) -> str:
    piece = text[max(0, start - EXCERPT) : end + EXCERPT]
    return " ".join(piece.split())


def text_problems(text: str, codes: re.Pattern[str] | None) -> list[tuple[str, str]]:
    """(problem, excerpt) for each raw value in a page's visible text; codes are looked for
    only when a pattern is given (the Chinese pages: English ones use English words)."""
    found: list[tuple[str, str]] = []
    checks: list[tuple[str, re.Pattern[str] | None]] = [
        ("internal code shown", codes),
        ("float with 5+ decimals", FLOAT),
        ("Python repr shown", REPR),
        ("ISO timestamp shown", ISO_TIME),
    ]
    for name, pattern in checks:
        if pattern is None:
            continue
        seen: set[str] = set()
        for match in pattern.finditer(text):
            if match.group(0) in seen:
                continue
            seen.add(match.group(0))
            found.append((f"{name}: {match.group(0)!r}", _excerpt(text, *match.span())))
            if len(seen) >= 3:  # three examples a page are enough to find the template
                break
    return found


def url_shape(url: str, codes: set[str]) -> str:
    """The path with each id (a segment with a digit) and code replaced, and the query's names:
    /orders/12345-20260901-0001/?page=2 -> /orders/<id>/?page."""
    parts = urlsplit(url)
    segments = []
    for segment in parts.path.split("/"):
        if segment in codes:
            segment = "<code>"
        elif any(ch.isdigit() for ch in segment):
            segment = "<id>"
        segments.append(segment)
    names = sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return "/".join(segments) + ("?" + "&".join(names) if names else "")


class Crawler:
    """Crawls as one role in one Playwright page whose context is already signed in."""

    def __init__(
        self,
        *,
        page: Any,
        base: str,
        role: str,
        codes: set[str],
        check_codes: bool = True,
        axe: bool = True,
        per_shape: int = PER_SHAPE,
        max_pages: int = MAX_PAGES,
        signed_in: bool = True,
        language: str = "zh",
    ) -> None:
        self.page = page
        self.base = base.rstrip("/")
        self.origin = urlsplit(self.base).netloc
        self.role = role
        self.codes = codes
        self.pattern = codes_pattern(codes) if check_codes else None
        self.axe = axe
        self.per_shape = per_shape
        self.max_pages = max_pages
        self.signed_in = signed_in
        self.language = language
        self.console: list[str] = []
        self.seen: set[str] = set()
        self.last = ""
        page.on("console", self._on_console)
        page.on("pageerror", lambda e: self.console.append(f"page error: {e}"))

    def _on_console(self, message: Any) -> None:
        if message.type == "error":
            self.console.append(f"console error: {message.text} at {message.location}")

    def _local(self, href: str) -> str | None:
        """The same-origin URL without its fragment, or None."""
        parts = urlsplit(href)
        if parts.scheme not in ("http", "https") or parts.netloc != self.origin:
            return None
        if SKIP.search(parts.path):
            return None
        return urlunsplit(("", "", parts.path or "/", parts.query, ""))

    def crawl(self, *starts: str) -> CrawlResult:
        """From the home page (or the given pages), breadth first."""
        result = CrawlResult(role=self.role)
        queue: deque[tuple[str, bool]] = deque((start, False) for start in starts or ("/",))
        seen = self.seen = set()
        shapes: Counter[str] = Counter()
        while queue and len(result.pages) < self.max_pages:
            url, download = queue.popleft()
            if url in seen:
                continue
            seen.add(url)
            shape = url_shape(url, self.codes)
            if shapes[shape] >= self.per_shape:
                continue
            shapes[shape] += 1
            parts = urlsplit(url)
            if download or FILES.search(parts.path) or FILE_QUERIES.search(parts.query):
                self._check_file(url, result)
                continue
            # axe on the first page of each shape: the others are the same template.
            for link, is_download in self._visit(url, result, axe=shapes[shape] == 1):
                if link not in seen:
                    queue.append((link, is_download))
        self.page.wait_for_timeout(200)  # the last page's late errors
        self._flush(result)
        return result

    def _flush(self, result: CrawlResult) -> None:
        """Console errors go to the page that was open when they came (some come late)."""
        for message in self.console:
            self._problem(result, self.last, "console", message[:300])
        self.console.clear()

    def _problem(self, result: CrawlResult, url: str, problem: str, excerpt: str = "") -> None:
        result.problems.append(Problem(self.role, url, problem, excerpt))

    def _check_file(self, url: str, result: CrawlResult) -> None:
        response = self.page.context.request.get(self.base + url, max_redirects=0)
        result.files.append(url)
        if response.status >= 400:
            self._problem(result, url, f"download answered HTTP {response.status}")

    def _visit(self, url: str, result: CrawlResult, *, axe: bool) -> list[tuple[str, bool]]:
        from playwright.sync_api import Error as PlaywrightError

        self._flush(result)
        self.last = url
        try:
            response = self.page.goto(self.base + url, wait_until="load")
        except PlaywrightError as exc:
            if "Download is starting" in str(exc):
                self._check_file(url, result)
            else:
                self._problem(result, url, "page did not load", str(exc).splitlines()[0])
            return []
        result.pages.append(url)
        final = self._local(self.page.url) or url
        self.seen.add(final)  # "/" lands on the role's first page: that page is done too
        if response is None or response.status >= 400:
            status = response.status if response is not None else "no answer"
            title = self.page.title()
            self._problem(result, url, f"HTTP {status}", title)
            return []
        if self.signed_in and "/login/" in urlsplit(self.page.url).path:
            self._problem(result, url, "sent to the log-in page", self.page.url)
            return []
        shown = self.page.evaluate("document.documentElement.lang")
        if not shown.lower().startswith(self.language):
            self._problem(result, final, f"<html lang> is {shown!r}, not {self.language!r}")
        text = self.page.evaluate("document.body.innerText")
        for problem, excerpt in text_problems(text, self.pattern):
            self._problem(result, final, problem, excerpt)
        if self.axe and axe:
            self.page.add_script_tag(path=str(AXE))
            for v in self.page.evaluate(AXE_RUN):
                targets = " | ".join(v["targets"])
                self._problem(result, final, f"axe {v['impact']}: {v['id']} ({v['help']})", targets)
        self.last = final
        links = []
        for link in self.page.eval_on_selector_all("a[href]", LINKS):
            local = self._local(link["href"])
            if local is not None:
                links.append((local, bool(link["download"])))
        return links


class LoginFailed(Exception):
    pass


def log_in(page: Any, base: str, username: str, password: str) -> None:
    """Through the log-in page, as a person does; supervisors and admins then type their
    authenticator app's code (the demo city's devices share one known secret)."""
    from django_otp.oath import totp

    from hotline.accounts.second_factor import DEMO_KEY_HEX

    page.goto(base + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    if "/login/code/" in page.url:
        page.fill("input[name=code]", f"{totp(bytes.fromhex(DEMO_KEY_HEX)):06d}")
        page.click("main button[type=submit]")
        page.wait_for_load_state()
    if "/login/" in page.url:
        said = " ".join(page.evaluate("document.body.innerText").split())[:200]
        raise LoginFailed(f"could not log in, left on {urlsplit(page.url).path}: {said}")


def save(results: list[CrawlResult], path: Path = ARTIFACT) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = [
        {
            "role": r.role,
            "pages": r.pages,
            "files": r.files,
            "problems": [asdict(p) for p in r.problems],
        }
        for r in results
    ]
    path.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")


def report(results: list[CrawlResult]) -> str:
    problems = [p for r in results for p in r.problems]
    pages = sum(len(r.pages) for r in results)
    lines = [f"{len(problems)} problems on {pages} pages crawled:"]
    lines += [p.line() for p in problems]
    return "\n".join(lines)

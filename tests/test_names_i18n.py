"""Names, not codes, and the language switch (issue 14 items 5 and 6): the existing pages show
units, categories, areas, states, actions and detectors by their names, times as local times and
no Python reprs; the English catalogue is complete; the switch turns the pages English."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from django.test import Client
from django.utils import translation

from hotline.domain.lifecycle import Action, State
from hotline.reference.models import Area
from hotline.web import labels
from hotline.web.catalogue import LOCALE_DIR, catalogues_compile
from hotline.web.views.citizen import tracking_code
from hotline.workorders import services as s
from tests.common.crawl import codes_pattern, text_problems
from tests.common.second_factor import force_login_verified
from tests.common.world import World

pytestmark = pytest.mark.django_db

PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
TEMPLATES = Path(__file__).resolve().parents[1] / "hotline" / "web" / "templates"


@pytest.fixture(autouse=True, scope="module")
def _compiled() -> None:
    catalogues_compile()  # as `make catalogue` does before the suite
    translation.trans_real._translations = {}  # type: ignore[attr-defined]  # reload the .mo


class VisibleText(HTMLParser):
    """The text a person reads: text nodes outside <script> and <style>, and <title>."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in {"script", "style"}:
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def codes(*, english: bool = False) -> set[str]:
    """The codes a page must name: units, categories, areas, states, actions, detectors (not
    roles: the test world's user names are the role codes, and a user name is a name). On an
    English page only the reference codes: "dispatch" or "closed" are English words there."""
    from hotline.accounts.models import Unit
    from hotline.reference.models import Category

    found: set[str] = set()
    for model in (Unit, Category, Area):
        found.update(model.objects.values_list("code", flat=True))
    if english:
        return {c for c in found if c} - english_words()
    found.update(str(s) for s in State)
    found.update(str(a) for a in Action)
    found.update(labels.DETECTORS)
    return {c for c in found if c}


def english_words() -> set[str]:
    """The words of the English catalogue ("center" is a unit's code and an English word)."""
    with PO.open("rb") as source:
        strings = [str(m.string) for m in read_po(source, locale="en") if m.id]
    return {w.lower() for text in strings for w in re.findall(r"[A-Za-z][\w-]*", text)}


def assert_named(html: str, where: str, *, english: bool = False) -> None:
    problems = text_problems(visible(html), codes_pattern(codes(english=english)))
    assert not problems, f"{where}: {problems}"


def client_for(world: World, user: Any, language: str | None = None) -> Client:
    client = force_login_verified(Client(), user) if user is not None else Client()
    if language:
        client.cookies["django_language"] = language
    return client


@pytest.fixture
def city(world: World) -> dict[str, Any]:
    """Orders in several states, with an area, a caller, deadlines and assisting units."""
    Area.objects.create(code="nanhujie", name="南湖街道")
    walked = world.create(area="nanhujie", urgency="urgent")
    s.workorder_dispatch(
        actor=world.dispatcher,
        order=walked.number,
        to_unit=world.unit_a.code,
        assist=[world.unit_c.code],
    )
    s.workorder_accept(actor=world.handler_a, order=walked.number)
    s.workorder_contact(actor=world.handler_a, order=walked.number, note="已联系", method="visit")
    returned = world.walk(world.create(category="property"), State.RETURN_REVIEW)
    closed = world.walk(world.create(), State.CLOSED)
    s.workorder_follow_up(
        actor=world.dispatcher, order=closed.number, reached=True, resolved=True, satisfied=False
    )
    fresh = world.create(actor=world.citizen, channel="web")
    return {"walked": walked, "returned": returned, "closed": closed, "fresh": fresh}


def test_existing_pages_show_names_not_codes(world: World, city: dict[str, Any]) -> None:
    walked = city["walked"].number
    pages = [
        (world.dispatcher, "/orders/"),
        (world.dispatcher, "/orders/?state=closed"),
        (world.dispatcher, "/dispatch/"),
        (world.dispatcher, f"/orders/{walked}/"),
        (world.dispatcher, f"/orders/{city['returned'].number}/"),
        (world.dispatcher, f"/orders/{city['closed'].number}/"),
        (world.dispatcher, f"/orders/{city['fresh'].number}/"),
        (world.handler_a, "/inbox/"),
        (world.handler_a, f"/orders/{walked}/"),
        (world.agent, "/intake/"),
        (world.supervisor, "/tianyan/"),
        (world.supervisor, "/anchors/"),
        (world.supervisor, f"/orders/{walked}/"),
        (world.citizen, "/my/"),
        (world.citizen, "/my/new/"),
        (None, "/login/"),
        (None, f"/track/?code={tracking_code(walked)}"),
    ]
    for language in ("zh-hans", "en"):
        for user, url in pages:
            response = client_for(world, user, language).get(url)
            assert response.status_code == 200, url
            html = response.content.decode()
            assert_named(html, f"{language} {url}", english=language == "en")


def test_the_intake_assist_names_units_and_scores(world: World, city: dict[str, Any]) -> None:
    response = client_for(world, world.agent).post(
        "/intake/assist/", {"text": "楼下餐馆夜间噪音扰民", "caller_phone": "13812341234"}
    )
    assert response.status_code == 200
    assert_named(response.content.decode(), "assist")


def test_the_timeline_labels_every_field_and_shows_local_deadlines(
    world: World, city: dict[str, Any]
) -> None:
    html = client_for(world, world.dispatcher).get(f"/orders/{city['walked'].number}/")
    text = visible(html.content.decode())
    event = city["walked"].events.get(action="dispatch")
    deadline = labels.local_time(event.data["accept_deadline"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", deadline)
    assert f"签收时限 {deadline}" in text
    assert "办理时限" in text
    assert "协办单位 市绿化市容局" in text  # the assisting unit by its name
    assert "行政区划 南湖街道" in text  # the area by its name
    assert "联系方式 上门" in text  # the contact method by its name
    assert "来电人 姓名：张** 电话：138****1234" in text  # the caller as the dispatcher sees it
    assert "紧急程度 紧急" in text
    assert "accept_deadline" not in text and "'phone'" not in text


def test_the_english_timeline_labels_fields_in_english(world: World, city: dict[str, Any]) -> None:
    html = client_for(world, world.dispatcher, "en").get(f"/orders/{city['walked'].number}/")
    text = visible(html.content.decode())
    assert "Accept by" in text and "Deadline" in text and "Assisting units" in text
    assert "签收时限" not in text


def test_the_language_switch_turns_pages_english_and_back(world: World) -> None:
    client = client_for(world, world.dispatcher)
    chinese = client.get("/orders/").content.decode()
    assert '<html lang="zh-Hans">' in chinese
    assert ">派单</a>" in chinese and ">工单</a>" in chinese
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/orders/"})
    assert switched.status_code == 302 and switched.url == "/orders/"
    english = client.get("/orders/").content.decode()
    assert '<html lang="en">' in english
    assert ">Dispatch</a>" in english and ">Orders</a>" in english
    assert "Any state" in english and "Being handled" not in chinese
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/orders/"})
    assert '<html lang="zh-Hans">' in client.get("/orders/").content.decode()


def test_signed_out_pages_have_the_switch_and_ignore_the_browser_language() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = client.get("/login/").content.decode()
    assert '<html lang="zh-Hans">' in page and "用户名" in page  # Chinese unless chosen
    assert 'name="language" value="en"' in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    english = client.get("/login/").content.decode()
    assert '<html lang="en">' in english and "User name" in english


def test_the_order_export_names_codes(world: World, city: dict[str, Any]) -> None:
    from openpyxl import load_workbook

    response = client_for(world, world.dispatcher).get("/orders/?export=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = [[str(c) for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:4] == ["工单号", "状态", "类型", "分类"]
    cells = {c for row in rows[1:] for c in row}
    assert "市住建局" in cells and "噪音扰民" in cells and "办理中" in cells
    assert not cells & codes()


def test_labels_cover_every_action_state_and_field() -> None:
    from hotline.domain.policy import OrderField

    assert set(labels.ACTION_NAMES) == {str(a) for a in Action}
    assert set(labels.STATES) == {str(s) for s in State}
    assert set(labels.ORDER_FIELDS) == {str(f) for f in OrderField}


def test_event_data_renders_values_never_reprs(world: World) -> None:
    Area.objects.create(code="nanhujie", name="南湖街道")
    rows = labels.event_data(
        {
            "caller": {"phone": "196****1528"},
            "accept_deadline": "2026-09-05T22:41:47+08:00",
            "assist": ["lvhua", "chengguan"],
            "area": "nanhujie",
            "category": "noise",
            "reached": True,
            "catalogue": {"entry": 1, "version": 2, "followed": False, "lead_unit": "zhujian"},
            "suggested": [{"category": "noise", "score": 0.98611}],
            "lat": 39.9123456789,
        }
    )
    shown = {r["key"]: (r["label"], r["lines"]) for r in rows}
    assert shown["caller"] == ("来电人", ["电话：196****1528"])
    assert shown["accept_deadline"] == ("签收时限", ["2026-09-05 22:41"])
    assert shown["assist"] == ("协办单位", ["市绿化市容局、市城管局"])
    assert shown["area"] == ("行政区划", ["南湖街道"])
    assert shown["category"] == ("分类", ["噪音扰民"])
    assert shown["reached"] == ("联系上", ["是"])
    assert shown["catalogue"][1] == [
        "目录条目：1",
        "版本：2",
        "按目录派单：否",
        "主办单位：市住建局",
    ]
    assert shown["suggested"][1] == ["噪音扰民 98.6%"]
    assert shown["lat"][1] == ["39.9123"]
    with translation.override("en"):
        english = {
            r["key"]: (r["label"], r["lines"]) for r in labels.event_data({"reached": False})
        }
    assert english["reached"] == ("Reached", ["No"])


def test_filters_format_times_and_rates() -> None:
    from hotline.web.templatetags import names

    assert names.local_time("2026-09-05T14:41:47+00:00") == "2026-09-05 22:41"
    assert names.percent(0.9861111111111112) == "98.6%"
    assert names.percent(None) == "—"
    assert names.unit_name("") == "—"


# -- the catalogue -----------------------------------------------------------------------------


def test_every_msgid_is_translated_and_none_is_fuzzy() -> None:
    with PO.open("rb") as source:
        catalogue = read_po(source, locale="en")
    messages = [m for m in catalogue if m.id]
    assert len(messages) > 300
    untranslated = [
        m.id
        for m in messages
        if not m.string or (isinstance(m.string, tuple) and not all(m.string))
    ]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert not untranslated, untranslated
    assert not fuzzy, fuzzy
    assert not [m for m, problems in catalogue.check() if problems]


TRANSLATE = re.compile(r"""\{%\s*(?:translate|trans)\s+(["'])(.+?)\1""")
BLOCK = re.compile(r"\{%\s*blocktranslate(\s[^%]*)?%\}(.*?)\{%\s*endblocktranslate\s*%\}", re.S)
PLURAL = re.compile(r"\{%\s*plural\s*%\}")


def block_msgid(options: str | None, body: str) -> str:
    """The msgid makemessages makes of a {% blocktranslate %}: the singular, variables as
    %(name)s, whitespace collapsed when ``trimmed``."""
    text = VARIABLE.sub(r"%(\1)s", PLURAL.split(body)[0])
    if options and "trimmed" in options.split():
        text = " ".join(line.strip() for line in text.strip().splitlines() if line.strip())
    return text


VARIABLE = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def test_template_strings_are_all_in_the_catalogue() -> None:
    with PO.open("rb") as source:
        ids = {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_po(source, locale="en")}
    missing = []
    for template in TEMPLATES.rglob("*.html"):
        source = template.read_text(encoding="utf-8")
        found = [m.group(2) for m in TRANSLATE.finditer(source)]
        found += [block_msgid(m.group(1), m.group(2)) for m in BLOCK.finditer(source)]
        missing += [f"{template.name}: {text}" for text in found if text not in ids]
    assert not missing, "run makemessages -l en and translate:\n" + "\n".join(missing)


def test_templates_wrap_their_chinese_text() -> None:
    """No Chinese text outside {% translate %} in any template (a style's font names aside),
    so that every visible string reaches the English catalogue."""
    han = re.compile(r"[\u4e00-\u9fff]")
    strip = re.compile(
        r"\{%\s*(?:translate|trans)\s.*?%\}|\{%\s*blocktranslate.*?endblocktranslate\s*%\}"
        r"|\{#.*?#\}|\{\{.*?\}\}|<button[^>]*lang=\"zh-Hans\"[^>]*>简体中文</button>"
        r"|<style.*?</style>|style=\"[^\"]*\"",
        re.S,
    )
    left = {}
    for template in TEMPLATES.rglob("*.html"):
        text = strip.sub("", template.read_text(encoding="utf-8"))
        if found := han.findall(text):
            left[template.name] = "".join(found)[:40]
    assert not left, left


def test_form_errors_name_the_field_in_the_readers_language(world: World) -> None:
    agent = client_for(world, world.agent)
    page = agent.post("/intake/", {"caller_phone": "13812341234", "kind": "complaint"})
    assert page.status_code == 422
    text = visible(page.content.decode())
    assert "内容: 必填" in text and "分类: 必填" in text and "Field required" not in text
    english = client_for(world, world.agent, "en").post("/intake/", {"kind": "complaint"})
    assert "Text: required" in visible(english.content.decode())


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext's xgettext is absent")
def test_python_strings_are_all_in_the_catalogue(tmp_path: Path) -> None:
    """What `make messages` would collect from the Python code is already in the catalogue."""
    sources = sorted(str(p) for p in TEMPLATES.parents[1].rglob("*.py"))  # hotline/
    found = tmp_path / "python.po"
    keywords = ["_", "gettext", "gettext_lazy", "ngettext:1,2", "ngettext_lazy:1,2"]
    keywords += ["pgettext:1c,2", "pgettext_lazy:1c,2"]
    subprocess.run(
        [
            "xgettext",
            "--language=Python",
            "--from-code=UTF-8",
            *(f"--keyword={k}" for k in keywords),
            "--output",
            str(found),
            *sources,
        ],
        check=True,
    )
    with PO.open("rb") as source:
        ids = {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_po(source, locale="en")}
    header = found.read_text(encoding="utf-8").replace("charset=CHARSET", "charset=UTF-8")
    header = header.replace("nplurals=INTEGER; plural=EXPRESSION;", "nplurals=2; plural=(n != 1);")
    catalogue = read_po(io.StringIO(header))
    wanted = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalogue if m.id}
    assert not wanted - ids, "run `make messages` and translate:\n" + "\n".join(wanted - ids)

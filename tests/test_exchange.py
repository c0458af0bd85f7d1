"""Importing other systems' requests: mapping, lifecycle walk at the source's times, re-runs."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hotline.accounts.models import Unit
from hotline.domain.lifecycle import State
from hotline.domain.request_import import MappingError, category_code, load_mapping
from hotline.exchange.services import requests_import
from hotline.reference.models import Category
from hotline.workorders.models import WorkOrder, WorkOrderEvent
from tests.common.world import World
from tests.test_cli import hotline, migrate

ROOT = Path(__file__).resolve().parents[1]
BALTIMORE = ROOT.parent / "shared" / "data" / "baltimore_311" / "311_sample.csv"
NEW_YORK = ZoneInfo("America/New_York")

MAPPING = """
[source]
name = "test-city"
id = "Id"
timezone = "America/New_York"
time_format = "%m/%d/%Y %I:%M:%S %p"

[fields]
created_at = "Created"
closed_at = "Closed"
status = "Status"
category = "Type"
unit = "Agency"
location = "Address"
lat = "Lat"
long = "Long"
text = "{Type}: {Address}"

[status]
closed = ["Closed"]
handling = ["Open"]
dispatched = ["New"]

[categories]
create_missing = true
"Pothole" = "noise"

[units]
"Roads" = { code = "roads", name = "Department of Roads" }
"""
HEADER = "Id,Created,Closed,Status,Type,Agency,Address,Lat,Long\n"
ROWS = [
    "A1,04/12/2018 11:11:26 AM,04/13/2018 09:00:00 AM,Closed,Pothole,Roads,1 Main St,39.29,-76.61",
    "A2,04/12/2018 11:20:00 AM,,Open,Street Light Out,Roads,2 Main St,,",
    "A3,04/12/2018 11:30:00 AM,,New,Street Light Out,Roads,3 Main St,,",
]


def write(tmp_path: Path, rows: list[str], mapping: str = MAPPING) -> tuple[Path, Path]:
    (tmp_path / "map.toml").write_text(mapping)
    (tmp_path / "requests.csv").write_text(HEADER + "".join(row + "\n" for row in rows))
    return tmp_path / "requests.csv", tmp_path / "map.toml"


def run(tmp_path: Path, rows: list[str]) -> tuple[int, int, int, list[tuple[int, str]]]:
    data, mapping = write(tmp_path, rows)
    result = requests_import(path=data, mapping=load_mapping(mapping))
    return result.created, result.advanced, result.unchanged, result.errors


def test_rows_become_orders_walked_to_their_status(world: World, tmp_path: Path) -> None:
    assert run(tmp_path, ROWS) == (3, 0, 0, [])
    closed, handling, dispatched = WorkOrder.objects.order_by("created_at")
    assert (closed.state, handling.state, dispatched.state) == (
        State.CLOSED,
        State.HANDLING,
        State.DISPATCHED,
    )
    assert closed.created_at == datetime(2018, 4, 12, 11, 11, 26, tzinfo=NEW_YORK)
    assert closed.closed_at == datetime(2018, 4, 13, 9, 0, tzinfo=NEW_YORK)
    assert (closed.category, closed.channel, closed.current_unit) == ("noise", "import", "roads")
    assert closed.latitude == pytest.approx(39.29) and closed.text == "Pothole: 1 Main St"
    assert Unit.objects.get(code="roads").name == "Department of Roads"
    assert Category.objects.get(code="street-light-out").name == "Street Light Out"
    actions = list(closed.events.order_by("seq").values_list("action", flat=True))
    assert actions == [
        "create", "dispatch", "accept", "reply", "request_close", "approve_close"
    ]  # fmt: skip


def test_a_second_run_creates_nothing_and_a_later_status_moves_the_order_on(
    world: World, tmp_path: Path
) -> None:
    run(tmp_path, ROWS)
    events = WorkOrderEvent.objects.count()
    assert run(tmp_path, ROWS) == (0, 0, 3, [])
    assert WorkOrderEvent.objects.count() == events and WorkOrder.objects.count() == 3
    later = [ROWS[0], ROWS[1].replace(",,Open,", ",04/20/2018 10:00:00 AM,Closed,"), ROWS[2]]
    assert run(tmp_path, later) == (0, 1, 2, [])
    moved = WorkOrder.objects.get(text="Street Light Out: 2 Main St")
    assert moved.state == State.CLOSED
    assert moved.closed_at == datetime(2018, 4, 20, 10, 0, tzinfo=NEW_YORK)


def test_bad_rows_are_named_and_the_rest_imported(world: World, tmp_path: Path) -> None:
    rows = [
        *ROWS,
        "B1,yesterday,,New,Pothole,Roads,x,,",
        "B2,04/12/2018 11:11:26 AM,,New,Pothole,Parks,x,,",
        ",04/12/2018 11:11:26 AM,,New,Pothole,Roads,x,,",
        "A1,04/12/2018 11:11:26 AM,,New,Pothole,Roads,x,,",
        "B3,04/12/2018 11:11:26 AM,,New,Pothole,Roads,x,95,10",
    ]
    created, _, _, errors = run(tmp_path, rows)
    assert created == 3
    problems = dict(errors)
    assert sorted(problems) == [5, 6, 7, 8, 9]
    assert "Created 'yesterday' does not match" in problems[5]
    assert "unit 'Parks' is not in [units]" in problems[6]
    assert "Id is empty" in problems[7]
    assert "Id 'A1' repeats row 2" in problems[8]
    assert "lat: must be a number between -90 and 90" in problems[9]
    assert WorkOrder.objects.count() == 3  # nothing half written for the bad rows


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (MAPPING.replace('id = "Id"\n', ""), "[source] id is required"),
        (MAPPING.replace('category = "Type"\n', ""), "[fields] category is required"),
        (MAPPING.replace("America/New_York", "Mars/Olympus"), "timezone 'Mars/Olympus'"),
        (MAPPING.replace("dispatched = ", "waiting = "), "[status] waiting is not a stage"),
        (MAPPING + "\n[[broken", "not valid TOML"),
    ],
)
def test_a_bad_mapping_is_one_clear_error(tmp_path: Path, mapping: str, message: str) -> None:
    (tmp_path / "map.toml").write_text(mapping)
    with pytest.raises(MappingError, match=message.replace("[", r"\[").replace("(", r"\(")):
        load_mapping(tmp_path / "map.toml")


def test_a_file_without_the_mapped_columns_is_refused(world: World, tmp_path: Path) -> None:
    data, mapping = write(tmp_path, ROWS)
    data.write_text("Id,Created\nA1,04/12/2018 11:11:26 AM\n")
    with pytest.raises(MappingError, match="column\\(s\\) missing from the file: Address, Agency"):
        requests_import(path=data, mapping=load_mapping(mapping))


def test_excel_exports_import_like_csv(world: World, tmp_path: Path) -> None:
    from openpyxl import Workbook

    _, mapping = write(tmp_path, ROWS)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER.strip().split(","))
    for row in ROWS:
        sheet.append(row.split(","))
    book.save(tmp_path / "requests.xlsx")
    result = requests_import(path=tmp_path / "requests.xlsx", mapping=load_mapping(mapping))
    assert (result.created, result.errors) == (3, [])


def test_category_codes_from_names() -> None:
    assert category_code("SW-Rat Rubout Proactive") == "sw-rat-rubout-proactive"
    assert category_code("噪音扰民").startswith("cat-")
    assert category_code("噪音扰民") == category_code("噪音扰民")


@pytest.mark.skipif(not BALTIMORE.is_file(), reason="shared Baltimore data absent")
def test_baltimore_sample_through_the_cli(tmp_path: Path) -> None:
    head = BALTIMORE.read_text().splitlines()[:121]
    sample = tmp_path / "baltimore.csv"
    sample.write_text("\n".join(head) + "\n")
    mapping = str(ROOT / "examples" / "baltimore_311.toml")
    args = ("--db", "b.sqlite3", "import", "requests", str(sample), "--mapping", mapping)
    migrate("b.sqlite3", cwd=tmp_path)
    first = hotline(*args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "120 rows: 120 orders created" in first.stdout
    again = hotline(*args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "0 orders created, 0 moved on, 120 already up to date" in again.stdout
    verify = hotline("--db", "b.sqlite3", "events", "verify", cwd=tmp_path)
    assert verify.returncode == 0, verify.stderr


def test_cli_names_a_bad_mapping_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "map.toml").write_text("[source]\n")
    (tmp_path / "r.csv").write_text(HEADER)
    done = hotline(
        "--db", "x.sqlite3", "import", "requests", "r.csv", "--mapping", "map.toml", cwd=tmp_path
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "error: [source] name is required"

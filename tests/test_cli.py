"""The `hotline` command end to end, in subprocesses on throw-away SQLite files."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def hotline(
    *args: str, cwd: Path, database_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``hotline`` in a subprocess on a SQLite file under ``cwd``, or on ``database_url``."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "HOTLINE_TEST_DB_TAG")}
    env["HOTLINE_VAR"] = str(cwd)
    if database_url:
        env["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "hotline.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def migrate(db: Path | str, *, cwd: Path) -> None:
    """Create the database: the other commands no longer migrate it themselves."""
    done = hotline("--db", str(db), "migrate", cwd=cwd)
    assert done.returncode == 0, done.stderr


def tables(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [name for (name,) in conn.execute("SELECT name FROM sqlite_master")]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("demo")
    db = work / "demo.sqlite3"
    done = hotline("--db", str(db), "demo", "--no-serve", "--orders", "40", cwd=work)
    assert done.returncode == 0, done.stderr
    assert "demo city ready: 40 orders" in done.stdout
    assert "dispatcher" in done.stdout and "supervisor" in done.stdout
    return db


def test_demo_database_verifies(demo_db: Path) -> None:
    done = hotline("events", "verify", "--db", str(demo_db), cwd=demo_db.parent)
    assert done.returncode == 0, done.stderr
    assert "chain intact" in done.stdout


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_export_import_export_gives_identical_files(
    demo_db: Path, tmp_path: Path, suffix: str
) -> None:
    first, second = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
    assert (
        hotline("events", "export", str(first), "--db", str(demo_db), cwd=tmp_path).returncode == 0
    )
    fresh = tmp_path / "fresh.sqlite3"
    migrate(fresh, cwd=tmp_path)
    done = hotline("events", "import", str(first), "--db", str(fresh), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (
        hotline("events", "export", str(second), "--db", str(fresh), cwd=tmp_path).returncode == 0
    )
    assert first.read_bytes() == second.read_bytes()
    assert hotline("events", "verify", "--db", str(fresh), cwd=tmp_path).returncode == 0


def test_one_changed_byte_fails_verify_naming_the_event(demo_db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "tampered.sqlite3"
    with sqlite3.connect(demo_db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    with sqlite3.connect(copy) as db:
        db.execute("DROP TRIGGER workorders_workorderevent_no_update")
        event_id, number, seq = db.execute(
            "SELECT e.id, o.number, e.seq FROM workorders_workorderevent e"
            " JOIN workorders_workorder o ON o.id = e.order_id"
            " WHERE e.action = 'dispatch' ORDER BY e.id LIMIT 1 OFFSET 7"
        ).fetchone()
        db.execute(
            "UPDATE workorders_workorderevent SET to_unit = substr(to_unit, 1, length(to_unit) - 1)"
            " || 'X' WHERE id = ?",
            (event_id,),
        )
    done = hotline("events", "verify", "--db", str(copy), cwd=tmp_path)
    assert done.returncode == 1
    assert f"order {number} seq {seq}" in done.stderr


def test_bad_import_names_lines_and_imports_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"order":"A1","seq":1,"at":"2025-01-02T09:00:00+08:00","action":"create",'
        '"actor":"","unit":"x","to_unit":"","data":{}}\n'
        '{"order":"A1","seq":2,"at":"2025-01-02T10:00:00+08:00","action":"teleport",'
        '"actor":"","unit":"x","to_unit":"","data":{}}\n',
        encoding="utf-8",
    )
    db = tmp_path / "x.sqlite3"
    migrate(db, cwd=tmp_path)
    done = hotline("events", "import", str(bad), "--db", str(db), cwd=tmp_path)
    assert done.returncode == 2
    assert "line 2" in done.stderr and "teleport" in done.stderr
    assert "nothing imported" in done.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM workorders_workorder").fetchone() == (0,)


def test_unknown_file_type_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "log.xml").write_text("<x/>", encoding="utf-8")
    migrate("y.sqlite3", cwd=tmp_path)
    done = hotline("events", "import", str(tmp_path / "log.xml"), "--db", "y.sqlite3", cwd=tmp_path)
    assert done.returncode == 2 and "unknown format" in done.stderr


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    done = hotline("events", "import", "nope.jsonl", "--db", "y.sqlite3", cwd=tmp_path)
    assert done.returncode == 2 and "no such file" in done.stderr
    assert not (tmp_path / "y.sqlite3").exists()


def test_token_is_issued_for_a_known_user_only(demo_db: Path) -> None:
    done = hotline("token", "dispatcher", "--db", str(demo_db), cwd=demo_db.parent)
    assert done.returncode == 0 and len(done.stdout.strip()) >= 40
    unknown = hotline("token", "nobody", "--db", str(demo_db), cwd=demo_db.parent)
    assert unknown.returncode == 2 and "no user 'nobody'" in unknown.stderr


def test_dispatch_model_retrains_from_confirmed_dispatches(demo_db: Path) -> None:
    model = demo_db.parent / "retrained.joblib"
    done = hotline(
        "dispatch",
        "train",
        "--from-db",
        "--db",
        str(demo_db),
        "--model",
        str(model),
        cwd=demo_db.parent,
    )
    assert done.returncode == 0, done.stderr
    assert "labels" in done.stdout and model.is_file()
    meta = json.loads((demo_db.parent / "retrained.joblib.json").read_text())
    assert meta["source"] == "database: confirmed dispatches"
    assert meta["training_rows"] > 0 and "overrides" in meta["scores"]


# -- only serve, demo and migrate change the schema ----------------------------------------------

READ_ONLY = [
    ("events", "verify"),
    ("events", "export", "out.jsonl"),
    ("outbox", "status"),
    ("supervise", "--json", "out.json"),
]


@pytest.mark.parametrize("command", READ_ONLY, ids=" ".join)
def test_a_missing_database_is_named_and_not_created(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    done = hotline("--db", "var/x.sqlite3", *command, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        "error: database var/x.sqlite3 does not exist;"
        " run `hotline migrate --db var/x.sqlite3` first\n"
    )
    assert not (tmp_path / "var").exists()
    assert not any(tmp_path.glob("out.*"))


@pytest.mark.parametrize("command", READ_ONLY, ids=" ".join)
def test_an_unmigrated_database_is_named_and_left_as_it_was(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    db = tmp_path / "empty.sqlite3"
    sqlite3.connect(db).close()
    done = hotline("--db", str(db), *command, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        "error: database empty.sqlite3 is not migrated;"
        " run `hotline migrate --db empty.sqlite3` first\n"
    )
    assert tables(db) == []  # no django_migrations, nothing else either
    assert not any(tmp_path.glob("out.*"))


def test_unapplied_migrations_are_named(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    done = hotline("--db", str(db), "manage", "migrate", "accounts", "0001", "-v0", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    before = tables(db)
    done = hotline("--db", str(db), "events", "verify", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "database old.sqlite3 has unapplied migrations (accounts.0002_" in done.stderr
    assert "run `hotline migrate --db old.sqlite3` first" in done.stderr
    assert tables(db) == before


def test_migrate_makes_the_read_only_commands_work(tmp_path: Path) -> None:
    migrate("var/x.sqlite3", cwd=tmp_path)
    for command in READ_ONLY:
        done = hotline("--db", "var/x.sqlite3", *command, cwd=tmp_path)
        assert done.returncode == 0, (command, done.stderr)
    assert (tmp_path / "out.jsonl").is_file() and (tmp_path / "out.json").is_file()


def test_commands_on_files_need_no_database(tmp_path: Path) -> None:
    done = hotline(
        "--db", "none.sqlite3", "callcenter", "simulate", "--out", "q.log", "--days", "1",
        "--calls-per-day", "100", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    done = hotline(
        "--db", "none.sqlite3", "callcenter", "kpi", "--queue-log", "q.log", "--json", "k.json",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "受理率 left out: database none.sqlite3 does not exist" in done.stderr
    assert json.loads((tmp_path / "k.json").read_text())["acceptance"] is None
    assert not (tmp_path / "none.sqlite3").exists()

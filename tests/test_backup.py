"""备份与恢复: a backup taken while orders are being created restores into a fresh database whose
chains verify and which holds only acknowledged orders; restore refuses to clobber data."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from hotline.cli import main
from hotline.domain.lifecycle import State
from tests.common.world import World
from tests.test_cli import hotline

WRITES_BEFORE_BACKUP = 15
WRITES_AFTER_BACKUP = 10


class Writer(threading.Thread):
    """Creates orders (and moves every third one on) until stopped; remembers each one whose
    service call returned, i.e. was acknowledged."""

    def __init__(self, world: World) -> None:
        super().__init__(daemon=True)
        self.world = world
        self.acknowledged: list[str] = []
        self.stop = threading.Event()
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                order = self.world.create(caller_phone="")
                if len(self.acknowledged) % 3 == 0:
                    order = self.world.walk(order, State.HANDLING)
                self.acknowledged.append(order.number)
        except BaseException as exc:  # reported by the test, not lost in the thread
            self.failure = exc
        finally:
            connection.close()

    def wait_for(self, count: int, *, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acknowledged) < count:
            assert self.failure is None, self.failure
            assert time.monotonic() < deadline, "the writer made no progress"
            time.sleep(0.01)


def backup_during_writes(world: World, out: Path, capsys: pytest.CaptureFixture[str]) -> Writer:
    writer = Writer(world)
    writer.start()
    try:
        writer.wait_for(WRITES_BEFORE_BACKUP)
        code = main(["backup", "--out", str(out)])
        backed_up_at = len(writer.acknowledged)
        writer.wait_for(backed_up_at + WRITES_AFTER_BACKUP)
    finally:
        writer.stop.set()
        writer.join(timeout=120)
    assert writer.failure is None, writer.failure
    output = capsys.readouterr()
    assert code == 0, output.err
    assert f"to {out}" in output.out
    return writer


@pytest.mark.usefixtures("live_db")
def test_sqlite_backup_while_writing_restores_and_verifies(
    live_world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite backup is tested when the tests run on SQLite")
    backup = tmp_path / "hotline.backup"
    writer = backup_during_writes(live_world, backup, capsys)

    fresh = tmp_path / "restored.sqlite3"
    done = hotline("--db", str(fresh), "restore", str(backup), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    verified = hotline("--db", str(fresh), "events", "verify", cwd=tmp_path)
    assert verified.returncode == 0, verified.stderr
    assert "chain intact" in verified.stdout

    with sqlite3.connect(fresh) as db:
        restored = [n for (n,) in db.execute("SELECT number FROM workorders_workorder")]
    # A snapshot: some acknowledged orders, none half-made, and not those made after it.
    assert WRITES_BEFORE_BACKUP <= len(restored) < len(writer.acknowledged)
    assert set(restored) <= set(writer.acknowledged)
    print(f"FIGURE sqlite backup: {len(restored)} orders restored and verified, "
          f"{len(writer.acknowledged)} written around the backup")  # fmt: skip


@pytest.mark.usefixtures("live_db")
def test_postgresql_backup_while_writing_restores_and_verifies(
    live_world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL backup is tested when DATABASE_URL names PostgreSQL")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump/pg_restore not installed (Debian: apt install postgresql-client)")
    backup = tmp_path / "hotline.dump"
    writer = backup_during_writes(live_world, backup, capsys)

    settings: dict[str, Any] = connection.settings_dict
    fresh = f"{settings['NAME']}_restored"
    url = (
        f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST']}"
        f":{settings['PORT'] or 5432}/{fresh}"
    )
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
        cursor.execute(f'CREATE DATABASE "{fresh}"')
    try:
        done = hotline("restore", str(backup), cwd=tmp_path, database_url=url)
        assert done.returncode == 0, done.stderr
        verified = hotline("events", "verify", cwd=tmp_path, database_url=url)
        assert verified.returncode == 0, verified.stderr
        assert "chain intact" in verified.stdout
        counted = hotline(
            "manage", "shell", "-c",
            "from hotline.workorders.models import WorkOrder;"
            "print(*('#' + n for n in WorkOrder.objects.values_list('number', flat=True)))",
            cwd=tmp_path, database_url=url,
        )  # fmt: skip
        assert counted.returncode == 0, counted.stderr
        restored = [word[1:] for word in counted.stdout.split() if word.startswith("#")]
        assert WRITES_BEFORE_BACKUP <= len(restored) < len(writer.acknowledged)
        assert set(restored) <= set(writer.acknowledged)
        print(f"FIGURE postgresql backup: {len(restored)} orders restored and verified, "
              f"{len(writer.acknowledged)} written around the backup")  # fmt: skip
        # A second restore into the now full database is refused without --force.
        again = hotline("restore", str(backup), cwd=tmp_path, database_url=url)
        assert again.returncode == 2 and "pass --force" in again.stderr
        forced = hotline("restore", "--force", str(backup), cwd=tmp_path, database_url=url)
        assert forced.returncode == 0, forced.stderr
    finally:
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Path:
    db = tmp_path / "hotline.sqlite3"
    done = hotline("--db", str(db), "migrate", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return db


def test_restore_refuses_a_database_with_tables_unless_forced(
    sqlite_db: Path, tmp_path: Path
) -> None:
    backup = tmp_path / "a.backup"
    assert (
        hotline("--db", str(sqlite_db), "backup", "--out", str(backup), cwd=tmp_path).returncode
        == 0
    )
    refused = hotline("--db", str(sqlite_db), "restore", str(backup), cwd=tmp_path)
    assert refused.returncode == 2
    assert "is not empty" in refused.stderr and "--force" in refused.stderr
    forced = hotline("--db", str(sqlite_db), "restore", "--force", str(backup), cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["backup", "--out", "."], "is a directory"),
        (["backup", "--out", "hotline.sqlite3"], "is the database itself"),
        (["restore", "missing.backup"], "no such file"),
        (["restore", "."], "is a directory"),
        (["restore", "garbage.backup"], "not a SQLite backup"),
    ],
)
def test_bad_backup_and_restore_arguments_are_one_line_errors(
    sqlite_db: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "garbage.backup").write_bytes(b"\x00garbage" * 100)
    fresh = tmp_path / "fresh.sqlite3"
    done = hotline("--db", str(sqlite_db if args[0] == "backup" else fresh), *args, cwd=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not fresh.exists() or fresh.stat().st_size == 0

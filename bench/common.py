"""Shared helpers for the benchmarks: machine description, throw-away databases, subprocesses.

Not part of the test suite. Every database made here is new and private to one run: a SQLite file
in a temporary directory, or a separate PostgreSQL database (``hotline_bench`` by default) that is
created at the start and dropped at the end, so the ``hotline`` database used by tests is never
touched.
"""

from __future__ import annotations

import math
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get(
    "BENCH_PG_ADMIN_URL", "postgresql://hotline:hotline@127.0.0.1:5432/hotline"
)
PG_BENCH_DB = os.environ.get("BENCH_PG_DB", "hotline_bench")


# -- machine -----------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


def _pg_version() -> str:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else "?"
    except Exception as exc:  # the machine line must not fail because PostgreSQL is down
        return f"unavailable ({type(exc).__name__})"


def machine() -> dict[str, str]:
    import django

    try:
        import psycopg

        psycopg_version = psycopg.__version__
    except ImportError:
        psycopg_version = "-"
    cores = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    return {
        "cpu": _cpu_model(),
        "cores": f"{usable} usable / {cores} online",
        "ram": f"{_ram_gib():.1f} GiB",
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.__version__,
        "sqlite": sqlite3.sqlite_version,
        "postgresql": _pg_version(),
        "psycopg": psycopg_version,
    }


def print_machine() -> None:
    info = machine()
    print("machine:")
    for key, value in info.items():
        print(f"  {key:<10} {value}")
    print(f"  {'date':<10} {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    print(f"  {'loadavg':<10} {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


# -- databases ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchDb:
    kind: str  # "sqlite" | "postgres"
    env: dict[str, str]  # the environment a `hotline` subprocess (or django.setup()) needs
    label: str


def _pg_url(db: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{db}"


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


@contextmanager
def bench_db(kind: str, tmp: Path) -> Iterator[BenchDb]:
    """A new, empty database for one run; dropped (PostgreSQL) or left in ``tmp`` (SQLite)."""
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.pop("HOTLINE_DB", None)
    env["HOTLINE_VAR"] = str(tmp / "var")
    env["DJANGO_SETTINGS_MODULE"] = "hotline.settings"
    env["HOTLINE_FAST_PASSWORDS"] = "1"
    (tmp / "var").mkdir(parents=True, exist_ok=True)
    if kind == "sqlite":
        path = tmp / "bench.sqlite3"
        env["HOTLINE_DB"] = str(path)
        yield BenchDb(kind, env, f"SQLite file {path}")
        return
    if kind != "postgres":
        raise ValueError(f"unknown --db {kind!r}")
    if PG_BENCH_DB in {"hotline", "postgres", "template0", "template1"}:
        raise ValueError(f"refusing to use {PG_BENCH_DB!r} as the throw-away bench database")
    _pg_admin(f'DROP DATABASE IF EXISTS "{PG_BENCH_DB}" WITH (FORCE)')
    _pg_admin(f'CREATE DATABASE "{PG_BENCH_DB}"')
    env["DATABASE_URL"] = _pg_url(PG_BENCH_DB)
    try:
        yield BenchDb(kind, env, f"PostgreSQL database {PG_BENCH_DB} on 127.0.0.1:5432")
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:
            pass
        _pg_admin(f'DROP DATABASE IF EXISTS "{PG_BENCH_DB}" WITH (FORCE)')


def run_on_fresh_db(kind: str, prefix: str, run: Callable[[BenchDb, Path], bool]) -> int:
    """Print the machine, run ``run`` on a throw-away database; exit status 1 if it says so."""
    print_machine()
    print()
    with tempfile.TemporaryDirectory(prefix=prefix) as name, bench_db(kind, Path(name)) as db:
        return 0 if run(db, Path(name)) else 1


def django_setup(db: BenchDb) -> None:
    """Point this process at the bench database and set Django up (once per process)."""
    for key in ("DATABASE_URL", "HOTLINE_DB", "HOTLINE_VAR", "HOTLINE_FAST_PASSWORDS"):
        os.environ.pop(key, None)
        if key in db.env:
            os.environ[key] = db.env[key]
    os.environ["DJANGO_SETTINGS_MODULE"] = "hotline.settings"
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def hotline(
    db: BenchDb, *args: str, timeout: float = 900, check: bool = True
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run ``hotline ARGS`` against the bench database; return (seconds, result)."""
    cmd = [sys.executable, "-m", "hotline.cli", *args]
    start = time.perf_counter()
    result = subprocess.run(
        cmd, cwd=ROOT, env=db.env, capture_output=True, text=True, timeout=timeout, check=False
    )
    elapsed = time.perf_counter() - start
    if check and result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return elapsed, result


# -- statistics --------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of unsorted values; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(p / 100 * len(ordered))))
    return ordered[rank - 1]


def summary_ms(values: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max/mean in milliseconds of a list of seconds."""
    ms = [v * 1000 for v in values]
    return {
        "n": float(len(ms)),
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
        "max": max(ms) if ms else float("nan"),
        "mean": statistics.fmean(ms) if ms else float("nan"),
    }

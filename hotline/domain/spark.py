"""The supervision engine on Apache Spark: a connection that runs the engine's DuckDB SQL.

Every detector, the handover metrics and the scorecards are written once, in DuckDB's SQL.
``SparkConnection`` gives them the part of DuckDB's connection they use (``execute`` with
parameters, ``fetchone``/``fetchall``/``description``, ``executemany``) on a Spark session:
sqlglot parses each statement as DuckDB's dialect, ``spark_sql`` rewrites the few constructs
that mean something else in Spark (ordered ``list``, semi and anti joins, regular-expression
functions, interval arithmetic, byte lengths, month starts, the unit-name lookup), and Spark
runs it; a statement sqlglot cannot parse is refused, never guessed at. Temporary tables become
temporary views over checkpointed data, so the detectors' staged tables are computed once.

The session is local (``local[*]``) unless ``HOTLINE_SPARK_MASTER`` names a cluster's master,
or the process runs under ``spark-submit``, whose master wins (docs/scale.md).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import sqlglot
from sqlglot import exp

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

# DuckDB's column types in the engine's CREATE TABLE statements, as Spark DDL.
_TYPES = {
    "VARCHAR": "STRING",
    "TEXT": "STRING",
    "BIGINT": "BIGINT",
    "INTEGER": "INT",
    "INT": "INT",
    "DOUBLE": "DOUBLE",
    "BOOLEAN": "BOOLEAN",
    "DATE": "DATE",
    "TIMESTAMP": "TIMESTAMP_NTZ",
    # Instants are kept as the session zone's wall-clock time, as DuckDB compares them with
    # the (wall-clock) event times.
    "TIMESTAMPTZ": "TIMESTAMP_NTZ",
    "TIMESTAMP WITH TIME ZONE": "TIMESTAMP_NTZ",
}


# Rows per VALUES list when Python rows go to Spark as SQL (Spark parses each list at once).
_VALUES_CHUNK = 2000


class SparkEngineError(RuntimeError):
    """A statement the Spark connection cannot run; the message names it."""


def spark_session(*, app: str = "hotline-supervise") -> SparkSession:
    """The Spark session the engine runs on, configured to compute what DuckDB computes:
    wall-clock (zone-less) timestamps, DuckDB's lenient arithmetic (no ANSI errors)."""
    from pyspark.sql import SparkSession

    # The engine starts no Python workers (rows from Python go in as SQL); should a Spark
    # internal need one, it must run this interpreter (Spark refuses another minor version).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app)
    master = os.environ.get("HOTLINE_SPARK_MASTER")
    if master:
        builder = builder.master(master)
    elif "PYSPARK_GATEWAY_PORT" not in os.environ:  # spark-submit's driver: its master wins
        builder = builder.master(f"local[{os.cpu_count() or 1}]")
    session = (
        builder.config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "Asia/Shanghai")
        .config("spark.sql.timestampType", "TIMESTAMP_NTZ")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.sql.shuffle.partitions", os.environ.get("HOTLINE_SPARK_PARTITIONS", "8"))
        .config("spark.driver.memory", os.environ.get("HOTLINE_SPARK_MEMORY", "2g"))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


class SparkCursor:
    """The rows of one statement, fetched the way DuckDB's cursor hands them out."""

    def __init__(self, names: list[str], rows: list[tuple[Any, ...]]) -> None:
        self.description = [(name,) for name in names] if names else None
        self._rows = rows
        self._next = 0

    def fetchone(self) -> tuple[Any, ...] | None:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    def fetchall(self) -> list[tuple[Any, ...]]:
        rest = self._rows[self._next :]
        self._next = len(self._rows)
        return rest


class SparkConnection:
    """DuckDB's connection, as far as the engine uses it, over a Spark session."""

    def __init__(self, session: SparkSession) -> None:
        self.session = session
        self._views: set[str] = set()
        self._names: dict[str, str] | None = None  # unit_names, read once per change

    # -- the DuckDB connection surface ------------------------------------------------------

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> SparkCursor:
        statement = sqlglot.parse_one(sql, read="duckdb")
        statement = bind(statement, list(params or []), zone=self._zone())
        if isinstance(statement, exp.Set) or (
            isinstance(statement, exp.Command) and statement.name.upper() == "SET"
        ):
            return self._set(statement)
        if isinstance(statement, exp.Command):  # sqlglot could not parse it: never guess
            raise SparkEngineError(f"cannot run on Spark: {' '.join(sql.split())[:200]}")
        if isinstance(statement, exp.Create):
            return self._create(statement)
        if isinstance(statement, exp.Insert):
            return self._insert(statement)
        if isinstance(statement, exp.Delete):
            return self._delete(statement)
        if isinstance(statement, exp.Drop):
            for table in statement.args.get("tables") or [statement.this]:
                self.drop(table.name)
            return SparkCursor([], [])
        if isinstance(statement, exp.Describe):
            frame = self.session.table(statement.this.name)
            return SparkCursor(
                ["column_name", "column_type"],
                [(field.name, field.dataType.simpleString()) for field in frame.schema.fields],
            )
        return self.query(statement)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        statement = sqlglot.parse_one(sql, read="duckdb")
        if not isinstance(statement, exp.Insert):
            raise SparkEngineError(f"executemany runs INSERT … VALUES only, not: {sql}")
        table = statement.this.this.name if isinstance(statement.this, exp.Schema) else None
        self.append_rows(table or statement.this.name, [tuple(row) for row in rows])

    # -- what the engine's helpers call directly --------------------------------------------

    def query(self, statement: exp.Expr) -> SparkCursor:
        frame = self.frame(statement)
        names = list(frame.columns)
        return SparkCursor(
            names, [tuple(_python(value) for value in row) for row in frame.collect()]
        )

    def frame(self, statement: exp.Expr) -> DataFrame:
        return self.session.sql(spark_sql(statement, self._unit_names()))

    def register(self, name: str, frame: DataFrame) -> None:
        """Keep ``frame`` as the temporary table ``name``, computed now: later statements read
        the result, not the plan that made it."""
        frame.localCheckpoint(eager=True).createOrReplaceTempView(name)
        self._views.add(name)
        if name == "unit_names":
            self._names = None

    def drop(self, name: str) -> None:
        self.session.catalog.dropTempView(name)
        self._views.discard(name)
        if name == "unit_names":
            self._names = None

    def exists(self, name: str) -> bool:
        return name in self._views

    def append_rows(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        """Add rows given in Python to a temporary table. They travel as SQL literals, so the
        cluster's executors need no Python (createDataFrame would start Python workers)."""
        if rows:
            current = self.session.table(table)
            self.register(table, current.unionByName(self._values(current.schema, rows)))

    def append_columns(self, table: str, columns: dict[str, list[Any]]) -> None:
        current = self.session.table(table)
        names = list(columns)
        rows = list(zip(*(columns[name] for name in names), strict=True))
        if not rows:
            return
        added = self._values(current.select(*names).schema, rows)
        self.register(table, current.unionByName(added, allowMissingColumns=True))

    def _values(self, schema: Any, rows: list[tuple[Any, ...]]) -> DataFrame:
        columns = ", ".join(f"`{field.name}`" for field in schema.fields)
        casts = ", ".join(
            f"CAST(`{field.name}` AS {field.dataType.simpleString()}) AS `{field.name}`"
            for field in schema.fields
        )
        parts = []
        for start in range(0, len(rows), _VALUES_CHUNK):
            values = ", ".join(
                "(" + ", ".join(self._literal(value) for value in row) + ")"
                for row in rows[start : start + _VALUES_CHUNK]
            )
            parts.append(f"SELECT {casts} FROM VALUES {values} AS t({columns})")
        return self.session.sql(" UNION ALL ".join(parts))

    def _literal(self, value: Any) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, int | float | Decimal):
            return repr(float(value)) if isinstance(value, float) else str(value)
        if isinstance(value, datetime):
            return f"TIMESTAMP_NTZ'{self._wall_clock(value).isoformat(sep=' ')}'"
        if isinstance(value, date):
            return f"DATE'{value.isoformat()}'"
        text = str(value).replace("\\", "\\\\").replace("'", "\\'")
        return f"'{text}'"

    # -- statements -----------------------------------------------------------------------

    def _set(self, statement: exp.Expr) -> SparkCursor:
        text = statement.sql("duckdb")
        zone = re.search(r"TimeZone\s*=\s*'([^']+)'", text, re.IGNORECASE)
        if zone:
            self.session.conf.set("spark.sql.session.timeZone", zone.group(1))
        return SparkCursor([], [])  # DuckDB's other settings (threads, memory) mean nothing here

    def _create(self, statement: exp.Create) -> SparkCursor:
        target = statement.this
        name = target.this.name if isinstance(target, exp.Schema) else target.name
        if statement.args.get("exists") and self.exists(name):
            return SparkCursor([], [])
        query = statement.expression
        if query is not None:
            self.register(name, self.frame(query))
        elif isinstance(target, exp.Schema):
            empty = ", ".join(
                f"CAST(NULL AS {_TYPES[column.args['kind'].sql('duckdb').upper()]}) "
                f"AS `{column.name}`"
                for column in target.expressions
            )
            self.register(name, self.session.sql(f"SELECT {empty} WHERE false"))
        else:
            raise SparkEngineError(f"cannot create {name}: {statement.sql('duckdb')}")
        return SparkCursor([], [])

    def _insert(self, statement: exp.Insert) -> SparkCursor:
        target = statement.this
        table = target.this.name if isinstance(target, exp.Schema) else target.name
        query = statement.expression
        if isinstance(query, exp.Values):
            rows = [
                tuple(_literal_value(value) for value in row.expressions)
                for row in query.expressions
            ]
            self.append_rows(table, rows)
            return SparkCursor([], [])
        added = self.frame(query)
        current = self.session.table(table)
        if isinstance(target, exp.Schema):
            added = added.toDF(*[column.name for column in target.expressions])
        else:
            added = added.toDF(*current.columns)
        self.register(table, current.unionByName(added, allowMissingColumns=True))
        return SparkCursor([], [])

    def _delete(self, statement: exp.Delete) -> SparkCursor:
        table = statement.this.name
        where = statement.args.get("where")
        keep = exp.select("*").from_(table)
        if where is not None:
            keep = keep.where(exp.not_(exp.func("coalesce", where.this, exp.false())))
        else:
            keep = keep.where(exp.false())
        self.register(table, self.frame(keep))
        return SparkCursor([], [])

    def _zone(self) -> str:
        return self.session.conf.get("spark.sql.session.timeZone") or "UTC"

    def _wall_clock(self, value: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(ZoneInfo(self._zone())).replace(tzinfo=None)
        return value

    def _unit_names(self) -> dict[str, str]:
        if self._names is None:
            rows = self.session.table("unit_names").collect() if self.exists("unit_names") else []
            self._names = {row[0]: row[1] for row in rows}
        return self._names


# -- DuckDB SQL → Spark SQL ------------------------------------------------------------------


def bind(statement: exp.Expr, params: list[Any], *, zone: str = "UTC") -> exp.Expr:
    """Put the parameters (``?`` in order, ``$n`` by number) into the statement as literals;
    a zoned time becomes ``zone``'s wall-clock time, as DuckDB casts it to a TIMESTAMP."""
    if not params:
        return statement
    position = iter(range(len(params)))

    def replace(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Placeholder):
            index = int(node.this) - 1 if node.this else next(position)
            value = params[index]
            if isinstance(value, datetime) and value.tzinfo is not None:
                value = value.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
            return _sql_literal(value)
        return node

    return statement.transform(replace)


def spark_sql(statement: exp.Expr, unit_names: dict[str, str] | None = None) -> str:
    """The statement in Spark's SQL, with the rewrites sqlglot leaves to us."""
    rewritten = statement.copy()
    for rewrite in (
        _ordered_lists,
        _semi_joins,
        _byte_lengths,
        _durations,
        _regexes,
        _unit_name_lookup(unit_names),
    ):
        rewritten = _bottom_up(rewritten, rewrite)
    return rewritten.sql("spark")


def _bottom_up(node: exp.Expr, rewrite: Any) -> exp.Expr:
    """Rewrite the children first, then the node: sqlglot's own ``transform`` does not descend
    into a node it has replaced, and the engine nests (regexp_replace in regexp_replace)."""
    for child in list(node.iter_expressions()):
        changed = _bottom_up(child, rewrite)
        if changed is not child:
            child.replace(changed)
    result: exp.Expr = rewrite(node)
    return result


def _ordered_lists(node: exp.Expr) -> exp.Expr:
    """``list(x ORDER BY k)``: Spark's collect_list keeps no order, so collect (k…, x) structs,
    sort them and keep x. Like DuckDB's list, no rows give NULL (collect_list gives [])."""
    if isinstance(node, exp.Filter) and isinstance(node.this, exp.ArrayAgg):
        return _collected(node.this, node.expression)
    if isinstance(node, exp.ArrayAgg) and not isinstance(node.parent, exp.Filter):
        return _collected(node, None)
    return node


def _collected(aggregate: exp.ArrayAgg, where: exp.Expr | None) -> exp.Expr:
    inner = aggregate.this
    keys: list[exp.Ordered] = []
    if isinstance(inner, exp.Order):
        keys = list(inner.expressions)
        inner = inner.this
    fields = [exp.alias_(key.this.copy(), f"k{n}", quoted=False) for n, key in enumerate(keys)] + [
        exp.alias_(inner.copy(), "v", quoted=False)
    ]
    collected: exp.Expr = exp.func("collect_list", exp.func("struct", *fields))
    if where is not None:
        collected = exp.Filter(this=collected, expression=where.copy())
    if keys:
        descending = {bool(key.args.get("desc")) for key in keys}
        if len(descending) > 1:
            raise SparkEngineError("list(… ORDER BY) with mixed directions")
        collected = exp.func(
            "sort_array", collected, exp.false() if descending.pop() else exp.true()
        )
    values = sqlglot.parse_one("transform(x, s -> s.v)", read="spark")
    values.set("this", collected)
    return sqlglot.parse_one("CASE WHEN size(x) = 0 THEN NULL ELSE x END", read="spark").transform(
        lambda node: values.copy() if isinstance(node, exp.Column) and node.name == "x" else node
    )


def _semi_joins(node: exp.Expr) -> exp.Expr:
    """DuckDB's ``SEMI JOIN`` / ``ANTI JOIN`` are Spark's ``LEFT SEMI`` / ``LEFT ANTI``."""
    if isinstance(node, exp.Join) and node.kind in ("SEMI", "ANTI") and not node.side:
        node.set("side", "LEFT")
    return node


def _byte_lengths(node: exp.Expr) -> exp.Expr:
    """``strlen`` counts UTF-8 bytes in DuckDB; Spark calls it octet_length."""
    if isinstance(node, exp.Anonymous) and node.name.lower() == "strlen":
        return exp.func("octet_length", *node.expressions)
    return node


def _durations(node: exp.Expr) -> exp.Expr:
    """DuckDB's ``epoch(a - b)`` (seconds of an interval) and ``to_days/to_minutes/
    to_microseconds(n)`` (intervals), in Spark's terms."""
    if isinstance(node, exp.TimeToUnix):
        value = node.this
        if isinstance(value, exp.Paren):
            value = value.this
        if isinstance(value, exp.Sub):
            micros: exp.Expr = exp.Anonymous(
                this="timestampdiff",
                expressions=[exp.var("MICROSECOND"), value.expression.copy(), value.this.copy()],
            )
        else:
            micros = exp.func("unix_micros", exp.cast(value.copy(), "TIMESTAMP_LTZ"))
        return exp.Div(this=micros, expression=exp.cast(exp.Literal.number(1000000), "DOUBLE"))
    if isinstance(node, exp.TimestampTrunc | exp.DateTrunc) and not isinstance(
        node.parent, exp.Cast
    ):
        # Spark truncates to a zoned timestamp; the engine's times are wall-clock ones.
        return exp.cast(node.copy(), "TIMESTAMP_NTZ")
    if isinstance(node, exp.ToDays):
        return exp.func("make_dt_interval", node.this.copy())
    if isinstance(node, exp.Anonymous):
        name = node.name.lower()
        (amount,) = node.expressions if name in _INTERVALS else (None,)
        if isinstance(amount, exp.Literal) and not amount.is_string:
            unit, scale = _INTERVALS[name]
            constant = Decimal(amount.this) * (60 if unit == "minute" else 1) / scale
            return exp.Interval(this=exp.Literal.string(str(constant)), unit=exp.var("SECOND"))
        if amount is not None:
            unit, scale = _INTERVALS[name]
            seconds = exp.Div(
                this=exp.cast(amount.copy(), "DECIMAL(38, 6)"),
                expression=exp.Literal.number(scale),
            )
            args: list[exp.Expr] = [exp.Literal.number(0), exp.Literal.number(0)]
            args += [exp.Literal.number(0), seconds]
            if unit == "minute":
                args = [exp.Literal.number(0), exp.Literal.number(0), amount.copy()]
            return exp.func("make_dt_interval", *args)
    return node


_INTERVALS = {"to_minutes": ("minute", 1), "to_microseconds": ("second", 1000000)}


def _regexes(node: exp.Expr) -> exp.Expr:
    """DuckDB (RE2) and Spark (Java) read the engine's patterns alike; their functions differ:
    DuckDB's regexp_replace replaces the first match unless 'g' and writes groups as \\1,
    regexp_full_match anchors, and regexp_extract_all takes group 0 by default."""
    if isinstance(node, exp.RegexpFullMatch):
        pattern = node.expression
        if not isinstance(pattern, exp.Literal):
            raise SparkEngineError("regexp_full_match needs a literal pattern")
        anchored = exp.Literal.string(f"^(?:{pattern.this})$")
        return exp.RegexpLike(this=node.this.copy(), expression=anchored)
    if isinstance(node, exp.RegexpExtractAll) and node.args.get("group") is None:
        node.set("group", exp.Literal.number(0))
        return node
    if isinstance(node, exp.RegexpReplace):
        return _replace(node)
    return node


def _replace(node: exp.RegexpReplace) -> exp.Expr:
    pattern, replacement = node.expression, node.args.get("replacement")
    if not isinstance(pattern, exp.Literal) or not isinstance(replacement, exp.Literal):
        raise SparkEngineError("regexp_replace needs literal pattern and replacement")
    modifiers = node.args.get("modifiers")
    every = modifiers is not None and "g" in modifiers.name
    shift = 0 if every else 1
    text = replacement.this.replace("$", "\\$")
    text = re.sub(r"\\(\d)", lambda m: f"${int(m.group(1)) + shift}", text)
    if every:
        return exp.RegexpReplace(
            this=node.this.copy(), expression=pattern.copy(), replacement=exp.Literal.string(text)
        )
    first = exp.Literal.string(f"(?s)^(.*?)(?:{pattern.this})")
    return exp.RegexpReplace(
        this=node.this.copy(), expression=first, replacement=exp.Literal.string("$1" + text)
    )


def _unit_name_lookup(names: dict[str, str] | None) -> Any:
    """``(SELECT name FROM unit_names WHERE code = x)`` (base.named): Spark runs no correlated
    subquery inside an aggregate, so the few unit names go in as a map literal."""

    def rewrite(node: exp.Expr) -> exp.Expr:
        if not isinstance(node, exp.Subquery):
            return node
        select = node.this
        source = select.args.get("from_") or select.args.get("from")
        if not isinstance(select, exp.Select) or source is None:
            return node
        if source.this.name != "unit_names":
            return node
        where = select.args.get("where")
        if where is None or not isinstance(where.this, exp.EQ):
            return node
        code = where.this.expression
        pairs = sorted((names or {}).items())
        if not pairs:
            return exp.cast(exp.null(), "STRING")
        keys = exp.Array(expressions=[exp.Literal.string(key) for key, _ in pairs])
        values = exp.Array(expressions=[exp.Literal.string(value) for _, value in pairs])
        return exp.func("try_element_at", exp.func("map_from_arrays", keys, values), code.copy())

    return rewrite


def _sql_literal(value: Any) -> exp.Expr:
    if value is None:
        return exp.null()
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, int | float | Decimal):
        return exp.Literal.number(value)
    if isinstance(value, datetime):
        return exp.cast(
            exp.Literal.string(value.replace(tzinfo=None).isoformat(sep=" ")), "TIMESTAMP_NTZ"
        )
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    if isinstance(value, list | tuple):
        return exp.Array(expressions=[_sql_literal(item) for item in value])
    return exp.Literal.string(str(value))


def _literal_value(node: exp.Expr) -> Any:
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Boolean):
        return node.this
    if isinstance(node, exp.Literal):
        if node.is_string:
            return node.this
        return float(node.this) if "." in node.this else int(node.this)
    if isinstance(node, exp.Cast):
        text = _literal_value(node.this)
        kind = node.to.sql("duckdb").upper()
        if kind == "DATE":
            return date.fromisoformat(text)
        if kind.startswith("TIMESTAMP"):
            return datetime.fromisoformat(text)
        return text
    raise SparkEngineError(f"not a literal: {node.sql('duckdb')}")


def _python(value: Any) -> Any:
    """Spark's values as DuckDB's Python client gives them (rows → tuples, arrays → lists)."""
    if isinstance(value, list):
        return [_python(item) for item in value]
    if hasattr(value, "asDict"):
        return {key: _python(item) for key, item in value.asDict().items()}
    return value

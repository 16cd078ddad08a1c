"""Bulk writes of plain rows, for hot paths where building model instances costs more than the SQL.

On PostgreSQL a round trip, not the work in it, is what a small statement costs on a busy server:
`fetch_together` reads several querysets in one, and inside `writes_together()` the writes of
`execute_together`, `insert_rows` (INSERTs) and `add_to_rows` wait and go together in one.

Where the connection keeps prepared statements (the database's PREPARED_STATEMENTS, config/settings.py:
PostgreSQL itself, not pgbouncer in transaction pooling), each small statement of such a query is an
`EXECUTE` of a statement prepared on that connection the first time (`_Together`): PostgreSQL parses and
plans it once per connection instead of at every request, and the round trips stay the same.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime as dt
import decimal
import functools
import itertools
import math
import re
import types
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, router
from django.db.models import Model

# Below this many rows one multi-row INSERT costs fewer round trips than a COPY.
COPY_FROM_ROWS = 50
# A statement of more values than this is not prepared: the long VALUES lists of a batch vary in length,
# and each length would be a statement of its own on the server.
PREPARE_MAX_PARAMS = 64
# Statements prepared on one connection before they are all dropped (DEALLOCATE ALL) and prepared anew.
PREPARED_PER_CONNECTION = 256
_PENDING = "_binhdan_pending_writes"
_NAMES = "_binhdan_prepared"  # on psycopg's connection: {(text, kinds): name} of what is prepared on it


def prepares(conn: Any) -> bool:
    """Whether the statements sent together go as prepared statements on this connection (the module's
    docstring; the database's PREPARED_STATEMENTS, config/settings.py)."""
    return conn.vendor == "postgresql" and bool(conn.settings_dict.get("PREPARED_STATEMENTS"))


# Statements PREPARE could not type with the values apart from the text (`%s IS NULL`) that a literal in
# the text would have typed: those then go as before. `_TYPED`: the statements (text and the kinds of
# their values) PREPARE took in this process, which need no safety net any more.
# (SQLSTATEs: indeterminate datatype, ambiguous function, undefined function, datatype mismatch)
_TYPING_ERRORS = frozenset({"42P18", "42725", "42883", "42804"})
_TYPED: set[Any] = set()
_UNTYPED: set[Any] = set()
_TEXTS_MAX = 4096
_SAVEPOINT = "binhdan_prepare"
_names = itertools.count(1)


def _bound(mogrify: Callable[..., str], statements: Sequence[tuple[str, Sequence[Any] | None]]) -> str:
    """Statements as one query's text, each bound client-side (params None: a command, as it is)."""
    # (always bound, even without parameters: "%%" in the text is then read as "%", as it would be)
    return "; ".join(sql if ps is None else mogrify(*as_arrays(sql, ps)) for sql, ps in statements)


# `col IN (%s, %s, …)` as the ORM writes it for `__in`: two values or more (not `NOT IN`).
_IN_LIST = re.compile(r"(?<!NOT) IN \(%s(?:, %s)+\)")
_PLACEHOLDER = re.compile(r"%[%s]")


@functools.lru_cache(maxsize=1024)
def _in_lists(sql: str) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...]]:
    """The text between the `IN (%s, …)` lists of `sql`, and where each list's values are among the
    parameters (first, how many)."""
    pieces, lists, at, position = [], [], 0, 0
    for match in _IN_LIST.finditer(sql):
        position += _PLACEHOLDER.findall(sql, at, match.start()).count("%s")
        count = match.group().count("%s")
        pieces.append(sql[at : match.start()])
        lists.append((position, count))
        position += count
        at = match.end()
    pieces.append(sql[at:])
    return tuple(pieces), tuple(lists)


def _array_of(values: Sequence[Any]) -> tuple[str, str] | None:
    """(PostgreSQL array literal, its type) of ids: ints within bigint's range, or UUIDs; None otherwise."""
    if all(type(v) is int and -_INT8 <= v < _INT8 for v in values):
        return "{" + ",".join(map(str, values)) + "}", "bigint[]"
    if all(type(v) is uuid.UUID for v in values):
        return "{" + ",".join(map(str, values)) + "}", "uuid[]"
    return None


def as_arrays(sql: str, params: Sequence[Any]) -> tuple[str, list[Any]]:
    """A statement too long to prepare (more than PREPARE_MAX_PARAMS values) whose `IN (%s, %s, …)` lists
    of ids (ints, UUIDs) become `= ANY(%s::bigint[])` (or `uuid[]`), one literal each: the same rows
    (PostgreSQL itself reads a list of constants as an array), but bound client-side as one literal
    instead of one per id (a 200-visit push's reads and touches quoted about 800 of them, a fifth of
    its CPU), and parsed by the server as one. Lists of other values stay as they are.

    Only for statements sent as text, never prepared: the server then plans with the array's values, as
    it would with the list (a generic plan of `= ANY($1)` knows neither how many ids come nor which,
    and scans a table where the list would have used its index)."""
    params = list(params)
    if len(params) <= PREPARE_MAX_PARAMS or " IN (%s, " not in sql:
        return sql, params
    pieces, lists = _in_lists(sql)
    if not lists or lists[-1][0] + lists[-1][1] > len(params):
        return sql, params
    text, values, taken = [pieces[0]], [], 0
    for (first, count), after in zip(lists, pieces[1:], strict=True):
        values += params[taken:first]
        array = _array_of(params[first : first + count])
        if array is None:
            text.append(" IN (" + ", ".join(["%s"] * count) + ")")
            values += params[first : first + count]
        else:
            text.append(f" = ANY(%s::{array[1]})")
            values.append(array[0])
        text.append(after)
        taken = first + count
    values += params[taken:]
    return "".join(text), values


def _remember(known: set[Any], keys: Any) -> None:
    if len(known) >= _TEXTS_MAX:
        known.clear()
    known.update(keys)


@functools.lru_cache(maxsize=1024)
def _numbered(sql: str) -> str:
    """Django's `%s` placeholders as PostgreSQL's `$1, $2, …` (and `%%` as `%`), for PREPARE."""
    number = itertools.count(1)
    return _PLACEHOLDER.sub(lambda m: "%" if m.group() == "%%" else f"${next(number)}", sql)


# A prepared statement's parameters get the types the values would have as literals in the text (what
# psycopg writes when it binds client-side: `3` is an integer, `'…'::uuid` a uuid, a string or NULL is
# for PostgreSQL to type from where it stands), so that a prepared statement answers what the text
# would. A value of another kind (a list, a float that is not finite, bytes…): the statement goes as text.
_INT4, _INT8 = 2**31, 2**63
_KINDS: dict[type, str] = {
    str: "unknown",
    type(None): "unknown",
    bool: "boolean",
    decimal.Decimal: "numeric",
    dt.date: "date",
    dt.time: "time",
    dt.timedelta: "interval",
    uuid.UUID: "uuid",
}


def _kind(value: Any) -> str | None:
    kind = _KINDS.get(type(value))
    if kind is not None:
        return kind
    if isinstance(value, int):  # int, and psycopg's Int2/Int4/Int8: plain literals in the text too
        return "integer" if -_INT4 <= value < _INT4 else "bigint" if -_INT8 <= value < _INT8 else "numeric"
    if isinstance(value, dt.datetime):
        return "timestamptz" if value.tzinfo is not None else "timestamp"
    if isinstance(value, float):
        return "numeric" if math.isfinite(value) else None
    return None


def _literals(values: Sequence[Any]) -> str | None:
    """The values of a prepared statement's EXECUTE as SQL literals, for a server with standard conforming
    strings: each value's text, quoted, which the statement's declared parameter types (`_kind`) read as
    the value itself. psycopg's `mogrify` writes the same values through its dumpers and query parser: 22 µs
    for a visit row's 11 values against 6 µs here (about 60 µs of a single push's 3 ms). None for a value
    written otherwise (a string with a backslash or a NUL, a float, a Decimal, a timedelta…): then psycopg
    writes them all."""
    out = []
    for value in values:
        kind = type(value)
        if kind is int:
            out.append(str(value))
        elif value is None:
            out.append("NULL")
        elif kind is str:
            if "\\" in value or "\x00" in value:
                return None
            out.append("'" + value.replace("'", "''") + "'")
        elif kind is bool:
            out.append("true" if value else "false")
        elif kind is uuid.UUID or kind is dt.date:
            out.append(f"'{value}'")
        elif kind is dt.datetime:
            out.append(f"'{value.isoformat()}'")
        else:
            return None
    return ", ".join(out)


class _Together:
    """Statements as the text of one query of several, each bound client-side (`plain`), or — where the
    connection keeps prepared statements — each small one as `EXECUTE name(values)`, after a `PREPARE name
    AS …` the first time this connection sees it (`prepared`): PostgreSQL then parses and plans it once
    per connection instead of at every request."""

    def __init__(self, conn: Any, statements: Sequence[tuple[str, Sequence[Any] | None]]) -> None:
        import psycopg

        self.statements = statements
        self.raw = conn.connection
        self.mogrify = psycopg.ClientCursor(self.raw).mogrify
        self.new: list[tuple[Any, str]] = []  # (key, name) prepared by this query, known once it succeeds
        self.reset = False
        self.own: list[int] = []
        self.parts: list[str] = []
        self.conforming: bool | None = None  # the server reads '…' without backslash escapes

    def plain(self) -> str:
        return _bound(self.mogrify, self.statements)

    def prepared(self) -> str:
        names: dict[Any, str] | None = getattr(self.raw, _NAMES, None)
        if names is None:
            names = {}
            setattr(self.raw, _NAMES, names)
        parts = []
        if len(names) >= PREPARED_PER_CONNECTION:
            parts.append("DEALLOCATE ALL")
            self.reset = True
        self.own = []  # where each statement's answer is among the query's (DEALLOCATE and PREPAREs answer too)
        fresh: dict[Any, str] = {}
        for sql, params in self.statements:
            if params is None:  # a command (COMMIT)
                self.own.append(len(parts))
                parts.append(sql)
                continue
            values = list(params)
            kinds = tuple(map(_kind, values)) if len(values) <= PREPARE_MAX_PARAMS else (None,)
            key = (sql, kinds)
            if None in kinds or key in _UNTYPED:
                self.own.append(len(parts))
                parts.append(self.mogrify(*as_arrays(sql, values)))
                continue
            name = fresh.get(key) or (None if self.reset else names.get(key))
            if name is None:
                name = f"binhdan_{next(_names)}"
                declared = f"({', '.join(map(str, kinds))})" if kinds else ""
                parts.append(f"PREPARE {name}{declared} AS {_numbered(sql)}")
                self.new.append((key, name))
                fresh[key] = name  # (a second statement of the same shape in this query uses it too)
            self.own.append(len(parts))
            parts.append(f"EXECUTE {name}({self.arguments(values)})" if values else f"EXECUTE {name}")
        self.parts = parts
        return "; ".join(parts)

    def arguments(self, values: list[Any]) -> str:
        """An EXECUTE's values as literals (`_literals`), or as psycopg writes them where that cannot."""
        if self.conforming is None:
            self.conforming = self.raw.info.parameter_status("standard_conforming_strings") == b"on"
        written = _literals(values) if self.conforming else None
        return written if written is not None else self.mogrify(", ".join(["%s"] * len(values)), values)

    def guarded(self) -> str:
        """The prepared query in a savepoint (released before a COMMIT among its statements)."""
        parts, own = self.parts, self.own
        end = next((i for i, (_, ps) in enumerate(self.statements) if ps is None), len(own))
        release = own[end] if end < len(own) else len(parts)
        self.own = [1 + index + (index >= release) for index in own]
        return "; ".join(
            [f"SAVEPOINT {_SAVEPOINT}", *parts[:release], f"RELEASE SAVEPOINT {_SAVEPOINT}", *parts[release:]]
        )

    def succeeded(self) -> None:
        names: dict[Any, str] = getattr(self.raw, _NAMES)
        if self.reset:
            names.clear()
        names.update(self.new)
        _remember(_TYPED, (key for key, _ in self.new))


class _Cursor:
    """Stands in for psycopg's cursor under Django's cursor wrapper, which runs the execute wrappers, turns
    psycopg's errors into Django's and logs the query as for any other (the log shows the statements with
    their values, not the EXECUTEs). `execute` sends the statements together (`_Together`).

    A statement PREPARE cannot type goes bound client-side, and the others with it: the first time this
    process prepares a statement inside a transaction, the query runs in a savepoint, so that what ran
    of it is undone and runs once (outside a transaction, or first in one, the failed query is undone
    whole). The names a failed query may have prepared are not used again (they go at DEALLOCATE ALL)."""

    def __init__(self, conn: Any, statements: Sequence[tuple[str, Sequence[Any] | None]]) -> None:
        import psycopg

        self.together = _Together(conn, statements)
        # (a cursor of its own: quoting on the cursor that holds the answers would drop them)
        self.cursor = psycopg.ClientCursor(self.together.raw)
        self.guarded = False

    @property
    def _query(self) -> Any:  # what Django's query log reads (`last_executed_query`)
        return types.SimpleNamespace(query=self.together.plain().encode())

    def execute(self, sql: Any, params: Any = None) -> None:
        import psycopg
        from psycopg.pq import TransactionStatus

        together, raw = self.together, self.together.raw
        text = together.prepared()
        status = raw.info.transaction_status
        self.guarded = status == TransactionStatus.INTRANS and any(s not in _TYPED for s, _ in together.new)
        try:
            self.cursor.execute(together.guarded() if self.guarded else text)
        except psycopg.Error as error:
            if together.reset:  # (whether the DEALLOCATE ran or not, no name known before is used again)
                getattr(raw, _NAMES).clear()
            if error.sqlstate not in _TYPING_ERRORS or not together.new:
                raise
            if self.guarded:
                raw.execute(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}; RELEASE SAVEPOINT {_SAVEPOINT}")
            elif status == TransactionStatus.IDLE and not raw.autocommit:
                raw.rollback()  # (only psycopg's own BEGIN had run in this transaction)
            _remember(_UNTYPED, (key for key, _ in together.new))
            together.new, together.reset, self.guarded = [], False, False
            together.own = list(range(len(together.statements)))  # (one answer each, as plain text)
            self.cursor.execute(together.plain())  # as without prepared statements: raises if it must
            return
        together.succeeded()

    def results(self) -> list[list[Any]]:
        """Each statement's rows (reads all), past the answers of SAVEPOINT, DEALLOCATE and PREPAREs."""
        cursor = self.cursor
        at = 0
        out: list[list[Any]] = []
        for index in self.together.own:
            for _ in range(index - at):
                cursor.nextset()
            at = index
            out.append(cursor.fetchall())
        return out

    def close(self) -> None:
        self.cursor.close()


def _together(
    conn: Any, statements: Sequence[tuple[str, Sequence[Any] | None]], *, rows: bool = False
) -> list[list[Any]]:
    """Send statements in one round trip through Django's cursor (execute wrappers, errors, query log);
    with `rows` (reads), each one's rows."""
    with conn.cursor() as cursor:
        own = cursor.cursor
        cursor.cursor = stand_in = _Cursor(conn, statements)
        try:
            # (the text and values as one, for the execute wrappers; the stand-in sends its own text)
            cursor.execute(
                "; ".join(sql for sql, _ in statements), [p for _, ps in statements for p in ps or ()]
            )
            return stand_in.results() if rows else []
        finally:
            stand_in.close()
            cursor.cursor = own


def _pending(conn: Any) -> list[tuple[str, list[Any]]] | None:
    return getattr(conn, _PENDING, None)


def _flush(conn: Any, commit: bool = False) -> None:
    """Send the waiting writes, in order, in one round trip (one query of several statements). With
    `commit` (the block is the last thing of the outermost transaction) they also end it: with COMMIT
    after them, or — when nothing ran in the transaction before them — as a query of its own, which
    PostgreSQL runs as one transaction (all or nothing), without a BEGIN and a COMMIT round trip."""
    pending = _pending(conn)
    if not pending:
        return
    statements: list[tuple[str, list[Any] | None]] = list(pending)
    pending.clear()
    raw = conn.connection
    alone = False
    if commit:
        from psycopg.pq import TransactionStatus

        alone = raw.info.transaction_status == TransactionStatus.IDLE
        if not alone:
            statements.append(("COMMIT", None))
    if alone:
        raw.autocommit = True  # (psycopg would send a BEGIN first otherwise)
    try:
        if prepares(conn):
            _together(conn, statements)
        else:
            with conn.cursor() as cursor:
                cursor.execute(*_one_query(conn, statements))
    finally:
        if alone:
            raw.autocommit = False


def _one_query(
    conn: Any, statements: Sequence[tuple[str, Sequence[Any] | None]]
) -> tuple[str, list[Any] | None]:
    """Several statements as one query: each bound on its own (client-side, as psycopg would bind the
    whole), so that psycopg's cache of parsed statements serves each one — a query of many parameters
    would be parsed anew every time."""
    with conn.cursor() as cursor:
        mogrify = getattr(cursor.cursor, "mogrify", None)
        if mogrify is None:  # server-side binding: one query with all the parameters
            return "; ".join(sql for sql, _ in statements), [p for _, ps in statements for p in ps or ()]
        # (a value psycopg cannot quote is Django's ProgrammingError, as it is from execute(), and
        # nothing of the batch has been sent)
        with conn.wrap_database_errors:
            return _bound(mogrify, statements), None


def _ends_transaction(conn: Any) -> bool:
    """Whether the transaction the caller is in is the outermost atomic block, in good order."""
    return (
        len(conn.atomic_blocks) == 1
        and not conn.savepoint_ids
        and not conn.needs_rollback
        and not conn.closed_in_transaction
        and not getattr(conn.atomic_blocks[0], "_from_testcase", False)
    )


@contextlib.contextmanager
def writes_together(using: str = DEFAULT_DB_ALIAS, *, commit: bool = False) -> Iterator[None]:
    """Inside a transaction on PostgreSQL: the writes of `execute_together`, `insert_rows` and
    `add_to_rows` wait, and go to the database together (one round trip) when the block ends — or
    before any other statement runs on the connection (a read, an ORM write, a COPY), so the order of
    every statement is kept. They answer nothing, so waiting changes nothing but the round trips; an
    error (a duplicate key) is raised when they are sent, still inside the caller's transaction.
    Elsewhere (SQLite, or outside a transaction) every write runs at once.

    `commit=True`: the block ends right where the caller's outermost `transaction.atomic()` ends
    (nothing runs in between); the writes then carry the COMMIT, and Django's own commit finds the
    transaction done (on_commit hooks run as usual). Inside a test's transaction, or a savepoint,
    nothing is committed early."""
    conn = connections[using]
    if conn.vendor != "postgresql" or not conn.in_atomic_block or _pending(conn) is not None:
        yield
        return
    pending: list[tuple[str, list[Any]]] = []
    setattr(conn, _PENDING, pending)

    def send_waiting_first(execute: Any, sql: Any, params: Any, many: Any, context: Any) -> Any:
        if pending:
            _flush(conn)  # its own execute passes through here with nothing waiting
        return execute(sql, params, many, context)

    try:
        with conn.execute_wrapper(send_waiting_first):
            yield
            _flush(conn, commit=commit and _ends_transaction(conn))
    finally:
        setattr(conn, _PENDING, None)


def _run(conn: Any, sql: str, params: list[Any]) -> None:
    """Execute now, or queue it inside `writes_together()`."""
    pending = _pending(conn)
    if pending is not None:
        pending.append((sql, params))
        return
    with conn.cursor() as cursor:
        cursor.execute(sql, params)


def insert_rows(model: type[Any], columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert plain tuples: COPY on PostgreSQL for many rows, multi-row INSERTs otherwise. Callers validate first."""
    if not rows:
        return
    table = model._meta.db_table
    connection = connections[router.db_for_write(model)]
    if connection.vendor == "postgresql" and len(rows) >= COPY_FROM_ROWS:
        _flush(connection)  # COPY goes around the cursor's wrappers: what waits goes first
        types = _binary_types(connection, model, columns, rows)
        with (
            connection.cursor() as cursor,
            connection.wrap_database_errors,  # a duplicate key is Django's IntegrityError, as for an INSERT
            cursor.cursor.copy(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN" + (" (FORMAT BINARY)" if types else "")
            ) as copy,
        ):
            if types:
                copy.set_types(types)
            for row in rows:
                copy.write_row(row)
        if connection.queries_logged:  # COPY goes around the logging cursor too: tests count it
            connection.queries_log.append({"sql": f"COPY {table} … ({len(rows)} rows)", "time": "0.000"})
        return
    # Few rows, or another backend: multi-row INSERTs. Each field adapts its values as the
    # ORM would (SQLite keeps UUIDs, dates and aware datetimes in formats of its own). On PostgreSQL
    # a value whose type the field stores as it is (an int for an integer, an aware datetime, …) goes
    # as it is, as in the COPY above: the field's own preparation would hand back the same value.
    fields = [model._meta.get_field(c) for c in columns]  # get_field also knows "<fk>_id" names
    if connection.vendor == "postgresql":
        kinds = [_native_kind(f) for f in fields]
        prepared = [
            tuple(
                v if v is None or _is_native(k, v) else f.get_db_prep_save(v, connection)
                for f, k, v in zip(fields, kinds, row, strict=True)
            )
            for row in rows
        ]
    else:
        prepared = [
            tuple(f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)) for row in rows
        ]
    marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
    step = max(1, connection.ops.bulk_batch_size(fields, prepared))  # the backend's parameter limit
    for start in range(0, len(prepared), step):
        chunk = prepared[start : start + step]
        _run(
            connection,
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([marks] * len(chunk))}",  # nosec B608  # identifiers from model metadata
            [value for row in chunk for value in row],
        )


# COPY in binary: psycopg's binary dumpers are compiled, its text ones mostly Python (1,200 rows of skill
# observations: 3.6–5.4 ms of this process's CPU as text, 1.0 ms in binary; the server's about the same). A
# column goes in binary when its every value is of the one Python type that column's binary dumper takes
# (ints within the column's range, aware datetimes); otherwise the rows go as text, as before.
_BINARY_TAKES: dict[str, tuple[type, int | None]] = {
    "int2": (int, 2**15), "int4": (int, 2**31), "int8": (int, 2**63), "text": (str, None),
    "varchar": (str, None), "uuid": (uuid.UUID, None), "date": (dt.date, None),
    "timestamptz": (dt.datetime, None), "bool": (bool, None),
}  # fmt: skip


_COLUMN_TYPES: dict[tuple[str, str, tuple[str, ...]], tuple[str, ...] | None] = {}


def _column_types(alias: str, model: type[Model], columns: tuple[str, ...]) -> tuple[str, ...] | None:
    """psycopg's names of the columns' PostgreSQL types, when binary COPY knows them all; None otherwise."""
    import psycopg
    from django.db.models import Field

    key = (alias, model._meta.db_table, columns)
    if key not in _COLUMN_TYPES:
        names: list[str] = []
        for column in columns:
            field = model._meta.get_field(column)
            declared = field.db_type(connections[alias]) if isinstance(field, Field) else None
            info = psycopg.adapters.types.get((declared or "").split("(")[0].strip())
            if info is not None and info.name in _BINARY_TAKES:
                names.append(info.name)
        _COLUMN_TYPES[key] = tuple(names) if len(names) == len(columns) else None
    return _COLUMN_TYPES[key]


def _binary_types(
    connection: Any, model: type[Model], columns: list[str], rows: list[tuple[Any, ...]]
) -> list[str] | None:
    """The types for a binary COPY of `rows` (`_BINARY_TAKES`), or None: COPY them as text."""
    types = _column_types(connection.alias, model, tuple(columns))
    if types is None:
        return None
    for name, values in zip(types, zip(*rows, strict=True), strict=True):
        takes, bound = _BINARY_TAKES[name]
        kinds = set(map(type, values))
        if type(None) in kinds:
            kinds.discard(type(None))
            values = tuple(v for v in values if v is not None)
        if not kinds:
            continue
        # (ints and strings of a subclass too, the choices' enums; dates, times and UUIDs of their own type)
        if not (
            kinds == {takes}
            or (takes in (int, str) and bool not in kinds and all(issubclass(k, takes) for k in kinds))
        ):
            return None
        if bound is not None and not -bound <= min(values) <= max(values) < bound:
            return None
        if takes is dt.datetime and any(v.utcoffset() is None for v in values):
            return None
    return list(types)


_NATIVE_KINDS = {
    "AutoField": "int", "BigAutoField": "int", "SmallAutoField": "int", "IntegerField": "int",
    "BigIntegerField": "int", "SmallIntegerField": "int", "PositiveIntegerField": "int",
    "PositiveSmallIntegerField": "int", "PositiveBigIntegerField": "int",
    "CharField": "str", "TextField": "str", "DateField": "date", "DateTimeField": "datetime",
    "UUIDField": "uuid",
}  # fmt: skip


def _native_kind(field: Any) -> str | None:
    """What a PostgreSQL column of this field takes as it is, from psycopg; None: prepare every value."""
    target = field.target_field if field.is_relation else field
    return _NATIVE_KINDS.get(target.get_internal_type())


def _is_native(kind: str | None, value: Any) -> bool:
    if kind == "int":
        return type(value) is int
    if kind == "str":
        return type(value) is str
    if kind == "date":
        return type(value) is dt.date
    if kind == "datetime":
        return type(value) is dt.datetime and value.utcoffset() is not None
    if kind == "uuid":
        return type(value) is uuid.UUID
    return False


def add_to_rows(
    table: str, key: Sequence[str], counts: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Add counts to rows by key, creating the missing ones (INSERT … ON CONFLICT DO UPDATE, PostgreSQL and
    SQLite alike). `rows` hold the key columns then the counts; callers pass them in key order so that
    concurrent writers lock rows in the same order and never deadlock."""
    if not rows:
        return
    columns = [*key, *counts]
    marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
    step = 900 // len(columns)  # within SQLite's parameter limit
    sums = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counts)
    for start in range(0, len(rows), step):
        chunk = rows[start : start + step]
        _run(
            connection,
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([marks] * len(chunk))} "  # nosec B608  # identifiers from model metadata
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {sums}",
            [value for row in chunk for value in row],
        )


def _compiled(item: Any, alias: str) -> tuple[str, list[Any], Any] | None:
    """(sql, params, compiler or None) of a queryset, a `Prepared` or an `(sql, params)` read; None
    when the ORM knows the answer is empty without asking."""
    from django.core.exceptions import EmptyResultSet

    if isinstance(item, Prepared):
        return item.sql, item.params, item.compiler
    if isinstance(item, tuple):
        return item[0], list(item[1]), None
    compiler = item.query.get_compiler(using=alias)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return None
    return sql, list(params), compiler


def _raw_rows(connection: Any, items: Sequence[Any], alias: str) -> list[tuple[list[Any] | None, Any]]:
    """Each item's raw rows and compiler, all read in one round trip on PostgreSQL (one query of several
    statements, client-side binding); elsewhere one query after another. Rows None: nothing to read."""
    compiled = [_compiled(item, alias) for item in items]
    present = [c for c in compiled if c is not None]
    fetched: list[list[Any]] = []
    if present and prepares(connection):
        fetched = _together(connection, [(sql, ps) for sql, ps, _ in present], rows=True)
    elif present:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(*_one_query(connection, [(sql, ps) for sql, ps, _ in present]))
                for number in range(len(present)):
                    if number:
                        cursor.cursor.nextset()
                    fetched.append(cursor.fetchall())
            else:
                for sql, params, _ in present:
                    cursor.execute(sql, params)
                    fetched.append(cursor.fetchall())
    out: list[tuple[list[Any] | None, Any]] = []
    rows = iter(fetched)
    for c in compiled:
        if c is None:
            out.append((None, None))
            continue
        got, compiler = next(rows), c[2]
        if compiler is not None and compiler.has_extra_select:  # ordering columns, as Django trims them
            got = [row[: compiler.col_count] for row in got]
        out.append((got, compiler))
    return out


def fetch_together(querysets: Sequence[Any], using: str | None = None) -> list[list[tuple[Any, ...]]]:
    """The rows of several `values_list` querysets (tuples, as `list(qs)` gives them), `Prepared`
    statements of such querysets, or plain `(sql, params)` reads. On PostgreSQL in one round trip —
    the statements go together in one query (client-side binding) — since a round trip, not the work
    in it, is what a small query costs on a busy server; elsewhere one query after another."""
    if not querysets:
        return []
    alias = using or next(
        (q.queryset.db if isinstance(q, Prepared) else q.db for q in querysets if not isinstance(q, tuple)),
        DEFAULT_DB_ALIAS,
    )
    connection = connections[alias]
    results: list[list[tuple[Any, ...]]] = []
    for rows, compiler in _raw_rows(connection, querysets, alias):
        if rows is None:
            results.append([])
            continue
        if compiler is not None:
            fields = [s[0] for s in compiler.select[: compiler.col_count]]
            converters = compiler.get_converters(fields)
            if converters:
                rows = list(compiler.apply_converters(rows, converters))
        results.append([tuple(row) for row in rows])
    return results


def query_together(querysets: Sequence[Any]) -> list[list[Any]]:
    """`list(qs)` of each queryset (or `Prepared` statement of one) — model instances with their
    `select_related` objects, values or tuples, exactly as Django builds them — read in one round trip
    on PostgreSQL (one query of several statements), elsewhere one query after another. A `Prepared`
    statement of a plain model queryset builds its instances with what its plan worked out once
    (`_Instances`: the converters and the related objects' populators)."""
    if not querysets:
        return []
    first = querysets[0]
    alias = first.queryset.db if isinstance(first, Prepared) else first.db
    connection = connections[alias]
    out: list[list[Any]] = []
    for item, (rows, compiler) in zip(querysets, _raw_rows(connection, querysets, alias), strict=True):
        if rows is None:
            out.append([])
            continue
        if compiler is None:
            raise TypeError("query_together reads querysets, not plain SQL")
        build = item.instances() if isinstance(item, Prepared) else None
        if build is not None:
            out.append(build(rows))
            continue
        # Django's own iterables build the results from these rows: a fresh clone (whose query gets the
        # compiler below; nobody else's does) and a copy of the compiler that "executes" by handing them
        # over (converters, select_related and all, as for `list(qs)`).
        clone = (item.queryset if isinstance(item, Prepared) else item).all()
        own = copy.copy(compiler)
        own.execute_sql = lambda *args, _rows=rows, **kwargs: [_rows]
        clone.query.get_compiler = lambda *args, _own=own, **kwargs: _own
        out.append(list(clone))
    return out


class _Instances:
    """What `list(queryset)` makes of a compiled query's rows — Django's own `ModelIterable`: each column
    through the field's converters, the model instance, its `select_related` objects — with the
    converters and the related objects' populators worked out once (per `_Plan`) instead of at every
    run. Only for plain model querysets (`of` answers None otherwise)."""

    def __init__(self, compiler: Any, db: str) -> None:
        from django.db.models.query import get_related_populators  # type: ignore[attr-defined]

        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        self.compiler, self.db = compiler, db
        self.converters = compiler.get_converters(fields)
        klass_info = compiler.klass_info
        self.model = klass_info["model"]
        self.start, self.end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.init_list = [column[0].target.attname for column in compiler.select[self.start : self.end]]
        self.populators = get_related_populators(klass_info, compiler.select, db)

    @classmethod
    def of(cls, queryset: Any, compiler: Any) -> _Instances | None:
        from django.db.models.query import ModelIterable

        if (
            queryset._iterable_class is not ModelIterable
            or queryset._known_related_objects
            or queryset._prefetch_related_lookups
            or compiler.annotation_col_map
            or compiler.klass_info is None
            or compiler.has_composite_fields([c[0] for c in compiler.select[: compiler.col_count]])
        ):
            return None
        return cls(compiler, queryset.db)

    def __call__(self, rows: list[Any]) -> list[Any]:
        """The instances of rows already trimmed to the selected columns (as `_raw_rows` gives them)."""
        converted = self.compiler.apply_converters(rows, self.converters) if self.converters else rows
        made = []
        for row in converted:
            obj = self.model.from_db(self.db, self.init_list, row[self.start : self.end])
            for populator in self.populators:
                populator.populate(row, obj)
            made.append(obj)
        return made


def execute_together(statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
    """Run statements that answer nothing (UPDATE, INSERT), in order: on PostgreSQL in one round trip (one
    query of several statements, client-side binding), elsewhere one after another. Inside
    `writes_together()` they wait with the other writes."""
    statements = [s for s in statements if s[0]]
    if not statements:
        return
    pending = _pending(connection)
    if pending is not None:
        pending.extend((sql, list(params)) for sql, params in statements)
        return
    if prepares(connection):
        _together(connection, statements)
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(statements) > 1:
            cursor.execute(*_one_query(connection, statements))
        else:
            for sql, params in statements:
                cursor.execute(sql, params)


# --- queries compiled once per process -----------------------------------------------------------------


class Prepared:
    """A queryset's SQL, compiled once and run again with other values (for `fetch_together` and
    `query_together`). Made by `prepare`; `queryset` is a fresh clone, ready for `list()` elsewhere."""

    __slots__ = ("compiler", "params", "plan", "queryset", "sql")

    def __init__(
        self, sql: str, params: list[Any], compiler: Any, queryset: Any, plan: _Plan | None = None
    ) -> None:
        self.sql, self.params, self.compiler, self.queryset, self.plan = sql, params, compiler, queryset, plan

    def instances(self) -> _Instances | None:
        """How `list(queryset)` builds instances from this statement's rows, worked out once per plan."""
        plan = self.plan
        if plan is None:
            return None
        if plan.instances is _UNKNOWN:
            plan.instances = _Instances.of(plan.queryset, plan.compiler)
        return plan.instances


_UNKNOWN: Any = object()


@dataclasses.dataclass
class _Plan:
    queryset: Any  # built with marks in place of the values
    compiler: Any  # its compiler after as_sql(): select, converters, related objects
    sql: str
    params: list[Any]  # the constants; the slots are filled for every run
    slots: list[tuple[int, int, int | None, Callable[[Any], Any]]]  # position, value, item, form
    now_slots: list[int]  # positions holding timezone.now() taken while the queryset was built
    instances: Any = _UNKNOWN  # `_Instances` for query_together, worked out at its first use


_PLANS: dict[Any, _Plan | None] = {}
_PLANS_MAX = 1024


def _mark(value: Any, number: int) -> Any:
    """A stand-in for `value` while compiling, unlike any real value (ids are positive)."""
    if isinstance(value, bool):
        raise TypeError
    if isinstance(value, int):
        return -(10**9) - number  # within a 32-bit integer column's range: no lookup drops it
    if isinstance(value, str):
        return f"\x01binhdan-mark-{number}\x01"
    if isinstance(value, uuid.UUID):
        return uuid.UUID(int=(0xB1D << 96) + number)
    raise TypeError


def _forms(mark: Any) -> list[tuple[Any, Callable[[Any], Any]]]:
    forms: list[tuple[Any, Callable[[Any], Any]]] = [(mark, lambda v: v)]
    if isinstance(mark, uuid.UUID):  # a backend without a uuid type gets hex (Django's UUIDField)
        forms += [(mark.hex, lambda v: v.hex), (str(mark), str)]
    return forms


def _compile(build: Callable[..., Any], values: list[Any]) -> tuple[Any, Any, str, list[Any]]:
    queryset = build(*values)
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    return queryset, compiler, sql, list(params)


def _plan(build: Callable[..., Any], values: tuple[Any, ...], day: dt.date) -> _Plan | None:
    """Compile `build(*marks)` twice; where the marks landed (and where the clock did) become slots.
    None when that cannot be told for sure: then every run builds and compiles the queryset itself."""
    from django.core.exceptions import EmptyResultSet
    from django.utils import timezone

    try:
        numbers = itertools.count(1)
        marks = [
            [_mark(v, next(numbers)) for v in value]
            if isinstance(value, list)
            else _mark(value, next(numbers))
            for value in values
        ]
        before = timezone.now()
        queryset, compiler, sql, params = _compile(build, marks)
        between = timezone.now()
        _, _, sql_again, params_again = _compile(build, marks)
        after = timezone.now()
    except (TypeError, EmptyResultSet):
        return None
    except Exception:  # a mark the field refuses (its validation): build it every time instead
        return None
    if sql != sql_again or len(params) != len(params_again) or timezone.localdate() != day:
        return None  # (past midnight while compiling: the next run plans for the new day)
    wanted = {}
    for index, mark in enumerate(marks):
        for item, one in enumerate(mark) if isinstance(mark, list) else [(None, mark)]:
            for form, convert in _forms(one):
                wanted[(type(form), form)] = (index, item, convert)
            if isinstance(one, str) and one in sql:
                return None  # a mark inlined into the text: this query cannot be reused
    slots, now_slots, found = [], [], set()
    for position, (first, second) in enumerate(zip(params, params_again, strict=True)):
        hit = wanted.get((type(first), first)) if _hashable(first) else None
        if hit is not None:
            if first != second:
                return None
            slots.append((position, *hit))
            found.add(hit[:2])
        elif first != second:  # the clock, read while building (e.g. "not expired yet")
            if not (isinstance(first, dt.datetime) and before <= first <= between <= second <= after):
                return None
            now_slots.append(position)
    expected = {
        (i, j) for i, m in enumerate(marks) for j in (range(len(m)) if isinstance(m, list) else [None])
    }
    if found != expected:
        return None  # a value Django left out or folded: reuse could not be proven
    return _Plan(queryset, compiler, sql, params, slots, now_slots)


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def prepare(key: Any, build: Callable[..., Any], *values: Any) -> Any:
    """`build(*values)` — a queryset — as a `Prepared` statement whose SQL was compiled once for `key`
    (per process), for `fetch_together` / `query_together`; the queryset itself when that cannot be.

    `key` must name everything the queryset depends on besides `values` (e.g. the user's scope as a
    `Q`); `values` are ints, strings, UUIDs or lists of them (list lengths and the local day are part
    of the key). The SQL is the ORM's own: compiled from `build` with marks in place of the values,
    whose positions in the parameters are then filled with the real ones; `timezone.now()` read while
    building is read again at every run."""
    from django.utils import timezone

    values = tuple(
        list(dict.fromkeys(v)) if isinstance(v, list | set | tuple | frozenset) else v for v in values
    )
    if any(isinstance(v, list) and not v for v in values):
        return build(*values)  # an empty list: the ORM answers "nothing" without a query
    today = timezone.localdate()
    full_key = (key, tuple(len(v) if isinstance(v, list) else None for v in values), today)
    try:
        plan = _PLANS[full_key]
    except KeyError:
        plan = _plan(build, values, today)
        if len(_PLANS) >= _PLANS_MAX:
            _PLANS.clear()
        _PLANS[full_key] = plan
    except TypeError:  # an unhashable key
        return build(*values)
    if plan is None:
        return build(*values)
    params = plan.params[:]
    for position, index, item, convert in plan.slots:
        value = values[index] if item is None else values[index][item]
        params[position] = convert(value)
    if plan.now_slots:
        now = timezone.now()
        for position in plan.now_slots:
            params[position] = now
    return Prepared(plan.sql, params, plan.compiler, plan.queryset, plan)

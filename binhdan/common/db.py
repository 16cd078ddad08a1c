"""Bulk writes of plain rows, for hot paths where building model instances costs more than the SQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, connections, router

# Below this many rows one multi-row INSERT costs fewer round trips than a COPY.
COPY_FROM_ROWS = 50


def insert_rows(model: type[Any], columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert plain tuples: COPY on PostgreSQL for many rows, multi-row INSERTs otherwise. Callers validate first."""
    if not rows:
        return
    table = model._meta.db_table
    connection = connections[router.db_for_write(model)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(rows) >= COPY_FROM_ROWS:
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            # Few rows, or another backend: multi-row INSERTs. Each field adapts its values as the
            # ORM would (SQLite keeps UUIDs, dates and aware datetimes in formats of its own).
            fields = [model._meta.get_field(c) for c in columns]  # get_field also knows "<fk>_id" names
            prepared = [
                tuple(f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True))
                for row in rows
            ]
            marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
            step = max(1, connection.ops.bulk_batch_size(fields, prepared))  # the backend's parameter limit
            for start in range(0, len(prepared), step):
                chunk = prepared[start : start + step]
                cursor.execute(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([marks] * len(chunk))}",  # nosec B608  # identifiers from model metadata
                    [value for row in chunk for value in row],
                )


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
    with connection.cursor() as cursor:
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([marks] * len(chunk))} "  # nosec B608  # identifiers from model metadata
                f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {sums}",
                [value for row in chunk for value in row],
            )


def fetch_together(querysets: Sequence[Any]) -> list[list[tuple[Any, ...]]]:
    """The rows of several `values_list` querysets (tuples, as `list(qs)` gives them). On PostgreSQL in one
    round trip — the statements go together in one query (client-side binding) — since a round trip, not
    the work in it, is what a small query costs on a busy server; elsewhere one query after another."""
    from django.core.exceptions import EmptyResultSet

    if not querysets:
        return []
    alias = querysets[0].db
    connection = connections[alias]
    if connection.vendor != "postgresql" or len(querysets) == 1:
        return [list(qs) for qs in querysets]
    out: list[list[tuple[Any, ...]] | None] = []
    compiled = []
    sqls: list[str] = []
    params: list[Any] = []
    for qs in querysets:
        compiler = qs.query.get_compiler(using=alias)
        try:
            sql, sql_params = compiler.as_sql()
        except EmptyResultSet:
            out.append([])
            continue
        out.append(None)
        compiled.append(compiler)
        sqls.append(sql)
        params.extend(sql_params)
    results: list[list[tuple[Any, ...]]] = []
    if sqls:
        with connection.cursor() as cursor:
            cursor.execute("; ".join(sqls), params)
            for number, compiler in enumerate(compiled):
                if number:
                    cursor.cursor.nextset()
                rows = cursor.fetchall()
                fields = [s[0] for s in compiler.select[: compiler.col_count]]
                converters = compiler.get_converters(fields)
                if converters:
                    rows = list(compiler.apply_converters(rows, converters))
                results.append([tuple(row) for row in rows])
    it = iter(results)
    return [next(it) if rows is None else rows for rows in out]


def execute_together(statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
    """Run statements that answer nothing (UPDATE, INSERT), in order: on PostgreSQL in one round trip (one
    query of several statements, client-side binding), elsewhere one after another."""
    statements = [s for s in statements if s[0]]
    if not statements:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(statements) > 1:
            cursor.execute(
                "; ".join(sql for sql, _ in statements), [p for _, params in statements for p in params]
            )
        else:
            for sql, params in statements:
                cursor.execute(sql, params)

"""Bulk writes of plain rows, for hot paths where building model instances costs more than the SQL."""

from __future__ import annotations

from typing import Any

from django.db import connections, router


def insert_rows(model: type[Any], columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert plain tuples: COPY on PostgreSQL, one executemany elsewhere. Callers validate first."""
    if not rows:
        return
    table = model._meta.db_table
    connection = connections[router.db_for_write(model)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            # Other backends store UUIDs, dates and aware datetimes in their own formats: let each
            # field adapt its values, exactly as the ORM would.
            fields = [model._meta.get_field(c) for c in columns]  # get_field also knows "<fk>_id" names
            prepared = [
                tuple(f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True))
                for row in rows
            ]
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", prepared)

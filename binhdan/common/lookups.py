"""`field__among=ids`: the field is one of many integer ids, sent as one value instead of one per id.

`__in` gives every id a placeholder of its own, and the ORM prepares each value (the field's
`get_prep_value`, then `get_db_prep_value`) every time a queryset is built: for the few thousand households
of a rollups round, read by eight querysets, that preparation cost more than the queries themselves. The
ids go here as one array value instead:

- PostgreSQL: `col = ANY(%s::bigint[])`, the ids as one array literal. PostgreSQL reads a list of constants
  as such an array anyway, and a B-tree scans it in index order: the rows of `resident_id = ANY(…)` come
  out ordered by the index (`IN (subquery)`, a join, does not).
- SQLite: `col IN (SELECT value FROM json_each(%s))`, the ids as one JSON text.

The right side may also be a subquery of ids (`resident_id__among=Resident.objects.filter(…).values("pk")`):
PostgreSQL then reads it once into an array (`= ANY(ARRAY(subquery))`), with the same index order.
Values must be integers (bool is not); anything else raises TypeError before any SQL is sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db.models import Field, ForeignObject, Lookup
from django.db.models.sql.query import Query

_BIGINT = 2**63


def as_ids(values: Iterable[Any]) -> list[int]:
    """The values as ints within bigint's range; TypeError for anything that is not an integer id."""
    ids = []
    for value in values:
        if not isinstance(value, int) or isinstance(value, bool) or not -_BIGINT <= value < _BIGINT:
            raise TypeError(f"__among takes integer ids, not {type(value).__name__} {value!r}")
        ids.append(int(value))
    return ids


class Among(Lookup[Any]):
    lookup_name = "among"
    prepare_rhs = False
    can_use_none_as_rhs = False

    def get_prep_lookup(self) -> Any:
        if isinstance(self.rhs, Query):  # a subquery: its rows' order means nothing here (as for `__in`)
            self.rhs.clear_ordering(clear_default=True)
            return self.rhs
        if hasattr(self.rhs, "resolve_expression"):  # another expression
            return self.rhs
        return as_ids(self.rhs)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        params = list(lhs_params)
        if hasattr(self.rhs, "as_sql"):
            sub, sub_params = compiler.compile(self.rhs)
            sub = sub if sub.startswith("(") else f"({sub})"
            params += sub_params
            if connection.vendor == "postgresql":
                return f"{lhs} = ANY(ARRAY{sub})", params
            return f"{lhs} IN {sub}", params
        if not self.rhs:
            return "1 = 0", []  # no ids: no rows (as `__in=[]`, which Django answers without a query)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::bigint[])", [*params, "{" + ",".join(map(str, self.rhs)) + "}"]
        return f"{lhs} IN (SELECT value FROM json_each(%s))", [*params, json.dumps(self.rhs)]  # nosec B608  # the compiled column; the ids are one parameter


# Every field; and foreign keys (`household_id__among`), which take only the lookups registered on them.
Field.register_lookup(Among)
ForeignObject.register_lookup(Among)

"""Reading the rows every request reads, by SQL written once per process.

Each page begins with the same reads: the session, and the signed-in user with their
force and roles. Through the ORM each read builds and compiles its query again
(about half a millisecond of CPU for the session, one for the user with their force,
as much again for the roles), though the statement is the same every time. A
:class:`Columns` writes the column list of a model once, and turns a row back into
an instance exactly as the ORM does: the database's value converters applied (SQLite
returns dates as text, booleans as integers), the instance marked as read from the
database.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper


class Columns:
    """The concrete columns of ``model`` under the table alias ``alias``, for one connection."""

    def __init__(self, model: type[models.Model], alias: str, connection: BaseDatabaseWrapper):
        self.model = model
        self.connection = connection
        quote = connection.ops.quote_name
        fields = model._meta.concrete_fields
        #: ``alias."column", ...`` in the order :meth:`build` reads them.
        self.sql = ", ".join(f"{quote(alias)}.{quote(f.column)}" for f in fields)
        self.count = len(fields)
        self._converters = []
        for n, field in enumerate(fields):
            col = field.get_col(alias)
            found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if found:
                self._converters.append((n, found, col))

    def build(self, row: Sequence[Any], start: int = 0, using: str = "default") -> models.Model:
        """The instance held in ``row[start:start + count]``."""
        values = list(row[start : start + self.count])
        for n, converters, col in self._converters:
            value = values[n]
            for convert in converters:
                value = convert(value, col, self.connection)
            values[n] = value
        return self.model.from_db(using, None, values)

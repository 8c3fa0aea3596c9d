"""Reading the rows every request reads, by SQL written once per process.

Each page begins with the same reads: the session, and the signed-in user with their
force and roles. Through the ORM each read builds and compiles its query again
(about half a millisecond of CPU for the session, one for the user with their force,
as much again for the roles), though the statement is the same every time. A
:class:`Columns` writes the column list of a model once, and turns a row back into
an instance exactly as the ORM does: the database's value converters applied (SQLite
returns dates as text, booleans as integers), the instance marked as read from the
database.

Pages then read records through querysets whose shape is the same on every view and
whose values change (a subject's id, a force's, a day): building such a queryset and
compiling it to SQL cost more CPU than the database's answer. A :class:`Statement`
compiles its queryset once per database, with stand-in values in place of its
arguments, and then runs that SQL with the values of each call, turning rows into
instances as the ORM's own iterator does (``select_related`` included).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.query import ModelIterable, get_related_populators


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


#: Stand-ins for a statement's arguments while it is compiled: values no caller passes,
#: so that each is found again, unchanged, among the compiled parameters.
_STAND_IN = -7_340_000_000


@dataclass(frozen=True)
class _Compiled:
    sql: str  # empty: the queryset can have no rows
    params: tuple  # the compiled parameters, stand-ins included
    #: (parameter index, argument index, the parameter's type: int, or str for a text field)
    slots: tuple[tuple[int, int, type], ...]
    compiler: Any
    init_list: tuple[str, ...]
    start: int
    end: int
    populators: tuple
    annotations: tuple[tuple[str, int], ...]

    def params_for(self, args: Sequence[Any]) -> list:
        params = list(self.params)
        for index, argument, kind in self.slots:
            params[index] = kind(args[argument])
        return params


class Statement:
    """A queryset of model instances, compiled to SQL once per database (and key).

    ``build(*args)`` makes the queryset; it must depend on its arguments only (no
    clock, no user, nothing global). The first ``keys`` arguments may be anything
    hashable that shapes the query (whose records: a force's id, or every force's;
    a day): it is compiled once for each. The others are values of parameters, each a
    whole number or a string compared as it is (an ``exact`` lookup, not ``contains``
    or ``in``)::

        SUBJECT = Statement(lambda scope, pk: Subject.objects.visible_in(scope).filter(pk=pk),
                            keys=1)
        found = SUBJECT(read_scope(user), pk)

    Calling it returns a list of instances, as ``list(build(*args))`` would. With the
    setting ``NETSAFE_CHECK_STATEMENTS`` on (the test suite sets it), every call also
    compiles ``build(*args)`` through the ORM and fails if its SQL or parameters differ.
    """

    #: Compiled shapes kept per statement; past it (keys that are days) they start again.
    KEPT = 256

    def __init__(self, build: Callable[..., models.QuerySet], *, keys: int = 0):
        self.build = build
        self.keys = keys
        self._model: type[models.Model] | None = None
        self._compiled: dict[tuple, _Compiled] = {}
        self._lock = threading.Lock()

    def __call__(self, *args: Any) -> list:
        key, values = args[: self.keys], args[self.keys :]
        for value in values:
            if type(value) not in (int, str):
                raise TypeError(f"a statement's values are numbers or strings, not {value!r}")
        compiled = self._compiled_for(key, len(values))
        if settings.NETSAFE_CHECK_STATEMENTS:
            self._check(compiled, args)
        if not compiled.sql:
            return []
        alias = router.db_for_read(self._model)
        with connections[alias].cursor() as cursor:
            cursor.execute(compiled.sql, compiled.params_for(values))
            rows = cursor.fetchall()
        # As the ORM's ModelIterable: converters, instances, select_related, annotations.
        compiler = compiled.compiler
        if compiler.has_extra_select:
            rows = [row[: compiler.col_count] for row in rows]
        model = compiler.klass_info["model"]
        out = []
        for row in compiler.results_iter([rows]):
            obj = model.from_db(alias, compiled.init_list, row[compiled.start : compiled.end])
            for populator in compiled.populators:
                populator.populate(row, obj)
            for name, position in compiled.annotations:
                setattr(obj, name, row[position])
            out.append(obj)
        return out

    def _compiled_for(self, key: tuple, count: int) -> _Compiled:
        if self._model is not None:
            found = self._compiled.get((router.db_for_read(self._model), *key))
            if found is not None:
                return found
        with self._lock:
            stand_ins = [_STAND_IN - n for n in range(count)]
            queryset = self.build(*key, *stand_ins)
            self._model = queryset.model
            found = self._compiled.get((queryset.db, *key))
            if found is None:
                if len(self._compiled) >= self.KEPT:
                    self._compiled.clear()
                found = _compile(queryset, stand_ins)
                self._compiled[(queryset.db, *key)] = found
        return found

    def _check(self, compiled: _Compiled, args: tuple) -> None:
        queryset = self.build(*args)
        try:
            sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
        except EmptyResultSet:
            sql, params = "", ()
        ours = compiled.params_for(args[self.keys :]) if compiled.sql else []
        if (sql, list(params)) != (compiled.sql, ours):
            raise AssertionError(
                f"the statement for {queryset.model.__name__} differs from its queryset's "
                f"SQL with {args!r}:\n{compiled.sql} {ours}\n{sql} {list(params)}"
            )


def _compile(queryset: models.QuerySet, stand_ins: list[int]) -> _Compiled:
    if queryset._iterable_class is not ModelIterable:
        raise TypeError("a statement reads model instances (not values() or values_list())")
    if queryset._prefetch_related_lookups or queryset._known_related_objects:
        raise TypeError("a statement carries no prefetch_related or related manager")
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return _Compiled("", (), (), compiler, (), 0, 0, (), ())
    texts = [str(s) for s in stand_ins]
    slots = []
    for n, value in enumerate(params):
        if type(value) is int and value in stand_ins:
            slots.append((n, stand_ins.index(value), int))
        elif type(value) is str and value in texts:
            slots.append((n, texts.index(value), str))
        elif isinstance(value, str) and any(text in value for text in texts):
            raise TypeError(f"an argument is changed before the query ({value!r}): not exact")
    if {argument for _, argument, _ in slots} != set(range(len(stand_ins))) or any(
        text in sql for text in texts
    ):
        raise TypeError("each argument of a statement must be one of its query's parameters")
    klass_info = compiler.klass_info
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    return _Compiled(
        sql=sql,
        params=tuple(params),
        slots=tuple(slots),
        compiler=compiler,
        init_list=tuple(f[0].target.attname for f in compiler.select[start:end]),
        start=start,
        end=end,
        populators=tuple(get_related_populators(klass_info, compiler.select, queryset.db)),
        annotations=tuple(compiler.annotation_col_map.items()),
    )

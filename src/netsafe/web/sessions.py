"""Sessions that end after 30 minutes without activity, refreshed at most once a minute.

Django's ``SESSION_SAVE_EVERY_REQUEST`` restarts the 30 minutes by writing the session
on every request: a database write and a commit (a disk flush) per page, for a
deadline that moves by seconds. Here a request writes the session only when it was
changed or when its stored expiry is more than :data:`REFRESH` seconds old, so a
session ends between 29 and 30 minutes after the last page, and busy users' pages
write nothing but their audit entries.

    SESSION_ENGINE = "netsafe.web.sessions"
    MIDDLEWARE = [..., "django.contrib.sessions.middleware.SessionMiddleware",
                  "netsafe.web.sessions.SessionRefreshMiddleware", ...]
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

from .rows import Columns

#: Seconds by which a session's expiry may lag behind the last request.
REFRESH = 60


@lru_cache(maxsize=64)  # one per thread's connection to the sessions' database
def _statement(model, connection) -> tuple[str, Columns]:
    quote = connection.ops.quote_name
    columns = Columns(model, "s", connection)
    meta = model._meta
    sql = (
        f"SELECT {columns.sql} FROM {quote(meta.db_table)} s "
        f"WHERE s.{quote(meta.get_field('session_key').column)} = %s "
        f"AND s.{quote(meta.get_field('expire_date').column)} > %s"
    )
    return sql, columns


def read_session(model, session_key: str):
    """The unexpired session ``session_key`` (an instance of ``model``), or None.

    What Django's database store asks on every request, in a statement written once
    per process rather than built by the ORM each time.
    """
    alias = router.db_for_read(model)
    connection = connections[alias]
    sql, columns = _statement(model, connection)
    meta = model._meta
    params = [
        meta.get_field("session_key").get_db_prep_value(session_key, connection),
        meta.get_field("expire_date").get_db_prep_value(timezone.now(), connection),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return columns.build(row, using=alias) if row is not None else None


class SessionStore(db.SessionStore):
    """The database session store, remembering the expiry it read with the session."""

    stored_expiry = None

    def _get_session_from_db(self):
        found = read_session(self.model, self.session_key)
        if found is None:
            self._session_key = None  # as Django's store: a new session if one is saved
        self.stored_expiry = found.expire_date if found is not None else None
        return found

    async def _aget_session_from_db(self):
        found = await super()._aget_session_from_db()
        self.stored_expiry = found.expire_date if found is not None else None
        return found


def refresh_due(session) -> bool:
    """Whether the request should write ``session`` to restart its idle time-out."""
    stored = getattr(session, "stored_expiry", None)
    if stored is None:
        return True  # another store, or not read from the database: as Django would
    restarted = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    return restarted - stored >= timedelta(seconds=REFRESH)


class SessionRefreshMiddleware:
    """Marks a used session for saving when its idle time-out is due to be restarted.

    Listed after ``SessionMiddleware``, so it sees the response first and
    ``SessionMiddleware`` then saves what it marked (``SESSION_SAVE_EVERY_REQUEST``
    stays off).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if (
            session is not None
            and session.accessed
            and not session.modified
            and not session.is_empty()
            and refresh_due(session)
        ):
            session.modified = True
        return response

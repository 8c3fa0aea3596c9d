"""Database routing: the prevention app lives in its own database, always."""

from __future__ import annotations

PREVENTION_APPS = {"prevention"}
PREVENTION_DB = "prevention"


class PreventionRouter:
    """Send the charity's models to the ``prevention`` database and nothing else there.

    Casework never reads prevention tables and prevention never reads casework
    tables, so no relation may cross the two databases.
    """

    def db_for_read(self, model, **hints):
        return PREVENTION_DB if model._meta.app_label in PREVENTION_APPS else "default"

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints):
        one = obj1._meta.app_label in PREVENTION_APPS
        two = obj2._meta.app_label in PREVENTION_APPS
        return one == two

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if app_label in PREVENTION_APPS:
            return db == PREVENTION_DB
        return db == "default"

"""Writing audit entries: explicitly with :func:`record`, automatically with :func:`track`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models.fields.files import FieldFile
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from .chain import append, json_safe
from .context import current
from .models import AuditEntry

#: Never copied into the log: secrets, and bookkeeping that changes on every log-in.
UNLOGGED_FIELDS = frozenset({"password", "last_login"})


def _field_len(name: str) -> int:
    return AuditEntry._meta.get_field(name).max_length


def _clip(value: Any, name: str) -> str:
    return str(value or "")[: _field_len(name)]


def _acting_user(user: Any) -> Any:
    """The user if authenticated, else ``None`` (anonymous visitors and the system)."""
    if user is None:
        return None
    try:
        return user if user.is_authenticated else None
    except AttributeError:  # a lazy request user that resolved to nothing
        return None


def _cached_force(obj: Any) -> Any:
    """The force ``obj`` already holds in memory (loaded with it), or None."""
    state = getattr(obj, "_state", None)
    return state.fields_cache.get("force") if state is not None else None


def force_slugs(objects: Iterable[Any], user: Any = None) -> dict[int, str]:
    """The slug of every force that owns one of ``objects``, by force id, in one query.

    Forces already in memory (loaded with a record) cost nothing; the acting
    ``user``'s own is loaded once and kept on the user; the others are read
    together, so a page of 25 records asks the database once, not 25 times.
    """
    from netsafe.accounts.models import Force

    slugs: dict[int, str] = {}
    wanted: set[int] = set()
    if getattr(user, "force_id", None):
        # Loaded whole and kept on the user: the page's header shows it too.
        slugs[user.force_id] = user.force.slug
    for obj in objects:
        if isinstance(obj, Force):
            slugs[obj.pk] = obj.slug
            continue
        force_id = getattr(obj, "force_id", None)
        if not force_id or force_id in slugs:
            continue
        cached = _cached_force(obj)
        if cached is not None:
            slugs[force_id] = cached.slug
        else:
            wanted.add(force_id)
    wanted -= slugs.keys()
    if wanted:
        slugs.update(Force.objects.filter(pk__in=wanted).order_by().values_list("pk", "slug"))
    return slugs


def _force_slug_of(obj: Any, user: Any = None, slugs: dict[int, str] | None = None) -> str:
    """The slug of the force that owns ``obj`` (a record with ``force``, a user, a force).

    ``slugs`` are those :func:`force_slugs` already found; otherwise the acting
    ``user``'s force, when it is the same and already loaded, is used rather than
    asked for again.
    """
    from netsafe.accounts.models import Force

    if isinstance(obj, Force):
        return obj.slug
    force_id = getattr(obj, "force_id", None)
    if not force_id:
        return ""
    return (slugs if slugs is not None else force_slugs([obj], user)).get(force_id, "")


def record(
    action: str,
    obj: Any = None,
    *,
    changes: dict[str, Any] | None = None,
    reason: str = "",
    detail: str = "",
    recipient: str = "",
    user: Any = None,
) -> AuditEntry:
    """Append one entry to the audit log and return it.

    ``obj`` is the record concerned (a model instance), a model class (e.g. a
    search over subjects) or ``None``. ``changes`` maps field names to
    ``[old, new]``. ``reason`` (the justification) and ``user`` default to
    the current :func:`~netsafe.audit.context.audit_context`; ``detail`` holds
    free text such as the terms of a search; ``recipient`` names who received
    the data of a disclosure (e.g. ``record("disclose", subject, recipient=
    "CPS Wales", reason="charging file")``).
    """
    ctx = current()
    who = _acting_user(user if user is not None else ctx.user)
    entry = AuditEntry(
        action=_clip(action, "action"),
        changes=changes or {},
        reason=reason or ctx.reason,
        detail=_clip(detail, "detail"),
        recipient=_clip(recipient, "recipient"),
        actor=_clip(ctx.actor or "system", "actor"),
    )
    if who is not None:
        entry.user_id = who.pk
        entry.username = _clip(who.get_username(), "username")
        entry.force = _force_slug_of(who, who)
    if isinstance(obj, type) and issubclass(obj, models.Model):
        entry.model = obj._meta.label_lower
    elif obj is not None:
        entry.model = obj._meta.label_lower
        entry.object_id = _clip(obj.pk, "object_id")
        entry.object_repr = _clip(obj, "object_repr")
        entry.object_force = _force_slug_of(obj, who)
    return append(entry)


def _value(instance: models.Model, field: models.Field) -> Any:
    value = field.value_from_object(instance)
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, bytes | memoryview):
        return f"<{len(value)} bytes>"
    return value


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The logged fields of ``instance`` as JSON values (foreign keys as ids)."""
    return json_safe(
        {
            f.name: _value(instance, f)
            for f in instance._meta.concrete_fields
            if not f.primary_key and f.name not in UNLOGGED_FIELDS
        }
    )


def _before_save(sender, instance, raw=False, using=None, **kwargs):
    instance._audit_before = None
    if instance._state.adding or instance.pk is None:
        return
    old = sender._base_manager.using(using).filter(pk=instance.pk).first()
    instance._audit_before = snapshot(old) if old is not None else None


def _after_save(sender, instance, created, **kwargs):
    after = snapshot(instance)
    before = getattr(instance, "_audit_before", None)
    if created or before is None:
        changes = {k: [None, v] for k, v in after.items() if v not in (None, "", [], {})}
        record("create", instance, changes=changes)
        return
    changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    if changes:
        record("update", instance, changes=changes)


def _after_delete(sender, instance, **kwargs):
    before = snapshot(instance)
    record("delete", instance, changes={k: [v, None] for k, v in before.items() if v is not None})


def _related_labels(instance: models.Model, name: str) -> list[str]:
    return sorted(str(o) for o in getattr(instance, name).all())


def _m2m_handler(name: str):
    def handler(sender, instance, action, reverse, **kwargs):
        # Changes made from the other side (group.user_set.add) are not tracked:
        # NetSafe changes memberships from the tracked model's side.
        if reverse:
            return
        if action.startswith("pre_"):
            instance.__dict__.setdefault("_audit_m2m", {})[name] = _related_labels(instance, name)
        elif action.startswith("post_"):
            before = instance.__dict__.get("_audit_m2m", {}).pop(name, None)
            after = _related_labels(instance, name)
            if before != after:
                record("update", instance, changes={name: [before, after]})

    return handler


def track(*model_classes: type[models.Model]) -> None:
    """Log every create, change (field, old, new) and delete of these models automatically.

    Connects model signals, so saves from pages, the API, the admin and
    commands are all logged, with the user of the current audit context.
    Bulk operations (``QuerySet.update``, ``bulk_create``) send no signals
    and are therefore not logged: code that uses them must call
    :func:`record` itself. Calling ``track`` twice for a model is harmless.
    """
    for model in model_classes:
        label = model._meta.label_lower
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"audit-pre-{label}")
        post_save.connect(_after_save, sender=model, dispatch_uid=f"audit-post-{label}")
        post_delete.connect(_after_delete, sender=model, dispatch_uid=f"audit-del-{label}")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                _m2m_handler(field.name),
                sender=field.remote_field.through,
                dispatch_uid=f"audit-m2m-{label}-{field.name}",
                weak=False,
            )

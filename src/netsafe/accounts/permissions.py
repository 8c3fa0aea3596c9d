"""The one permission gate: ``allowed(user, action, obj_or_model)``.

Every access rule of NetSafe is a row of :data:`RULES`, keyed by the action and the
area the object belongs to. Querysets (``visible_to``), views, the API, navigation
and the audit pages ask this function (directly or through their area's thin
``access`` module); nothing else decides who may do what. An action or area with no
row is refused: new code fails closed.

The areas and who may act in them:

==============  ================================================================
casework        force roles (officer, supervisor, examiner, safeguarding) read and
                change their own force's records; the operation lead reads every
                force's and changes none; analysts and administrators see figures
                only; the charity's roles nothing, not even figures.
alerts          deconfliction alerts: supervisors of the receiving force.
returns         a force's supervisors upload its returns.
examination     reading follows casework; queuing scans, seeing images and grading
                them is for examiners of the device's force.
bank            the operation's bank of confirmed grades (hashes and categories, no
                case): supervisors and examiners of every force read and export it;
                supervisors of the forces whose graders disagree settle a
                disagreement with a second opinion.
prevention      the charity's roles only (police users, administrators included,
                are told the pages do not exist).
stats           the operation's dashboard: analysts and the operation lead.
audit           supervisors read their force's entries, administrators every
                entry's figures (who, when, what kind, record id) but never
                casework or helpline content (names, values changed, search
                terms, filters, reasons); administrators check the chain.
accounts        administrators manage users and forces; giving police or charity
                roles needs a second administrator (see :mod:`.grants`).
api             the casework API, its schema and docs: the casework roles.
==============  ================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models

from .roles import FORCE_ROLES, OPERATION_ROLES, PREVENTION_ROLES, Role

# Actions.
READ = "read"
CHANGE = "change"
READ_FIGURES = "read-figures"
READ_CONTENT = "read-content"
LOG = "log"
EXAMINE = "examine"
VERIFY = "verify"
MANAGE = "manage"
APPROVE = "approve"
USE = "use"
UPLOAD = "upload"

#: Apps whose records hold casework or helpline content.
CONTENT_APPS = frozenset({"casework", "examination", "prevention", "returns"})
#: Audit actions whose ``detail`` holds what a user asked (search terms, filters).
CONTENT_ACTIONS = frozenset({"search", "list", "export", "disclose"})
#: Roles whose holders use the casework API.
API_ROLES = FORCE_ROLES | {Role.OPERATION_LEAD}
#: Police roles other than administrator: those an administrator may not also hold,
#: and whose grant needs a second administrator (with the charity's roles).
CONTENT_ROLES = (FORCE_ROLES | OPERATION_ROLES | PREVENTION_ROLES) - {Role.ADMINISTRATOR}


def active(user) -> bool:
    """Signed in and not deactivated (the one definition every rule uses)."""
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def is_admin(user) -> bool:
    """An administrator (the role, or Django's superuser flag)."""
    return active(user) and (user.is_superuser or user.has_role(Role.ADMINISTRATOR))


def force_id_of(user) -> int | None:
    """The force whose records ``user`` works on (as a force role), or None."""
    if not active(user) or user.force_id is None or not user.has_role(*FORCE_ROLES):
        return None
    return user.force_id


#: Models with rules of their own rather than their app's.
AREA_OF_MODEL = {
    "casework.alert": "alerts",
    "examination.bankentry": "bank",
    "examination.disagreement": "bank",
}


def area_of(obj_or_model: Any) -> str:
    """The area (row key) of an object, a model class, or an area named as a string."""
    if isinstance(obj_or_model, str):
        return obj_or_model
    if isinstance(obj_or_model, models.Model) or (
        isinstance(obj_or_model, type) and issubclass(obj_or_model, models.Model)
    ):
        meta = obj_or_model._meta
        return AREA_OF_MODEL.get(meta.label_lower, meta.app_label)
    return ""


def _instance(obj: Any) -> models.Model | None:
    return obj if isinstance(obj, models.Model) else None


def _record_force_id(obj: models.Model) -> int | None:
    return getattr(obj, "force_id", None)


# -- casework ----------------------------------------------------------------------


def _casework_read(user, obj) -> bool:
    if user.has_role(Role.OPERATION_LEAD):
        return True
    own = force_id_of(user)
    if own is None:
        return False
    record = _instance(obj)
    return record is None or _record_force_id(record) in (own, None)


def _casework_change(user, obj) -> bool:
    own = force_id_of(user)
    if own is None:
        return False
    record = _instance(obj)
    return record is None or _record_force_id(record) in (own, None)


def _figures(user, obj) -> bool:
    return user.has_role(*FORCE_ROLES, *OPERATION_ROLES)


def _alerts(user, obj) -> bool:
    # Deconfliction alerts go to the supervisors of the receiving force only.
    return user.has_role(Role.SUPERVISOR) and _casework_change(user, obj)


def _upload_returns(user, obj) -> bool:
    # A force's return is sent by that force's supervisors.
    return user.has_role(Role.SUPERVISOR) and force_id_of(user) is not None


# -- examination ---------------------------------------------------------------------


def _examine(user, obj) -> bool:
    return user.has_role(Role.EXAMINER) and _casework_change(user, obj)


def _bank_read(user, obj) -> bool:
    # Hashes and categories only: any force's graders and their supervisors.
    return user.has_role(Role.SUPERVISOR, Role.EXAMINER) and force_id_of(user) is not None


def _bank_change(user, obj) -> bool:
    # A second opinion: supervisors of a force whose graders disagree on the picture.
    own = force_id_of(user)
    if own is None or not user.has_role(Role.SUPERVISOR):
        return False
    record = _instance(obj)
    return record is None or record.forces.filter(pk=own).exists()


# -- prevention ------------------------------------------------------------------------


def _prevention_read(user, obj) -> bool:
    return user.has_role(*PREVENTION_ROLES)


def _prevention_log(user, obj) -> bool:
    return user.has_role(Role.CALL_HANDLER, Role.HELPLINE_SUPERVISOR)


def _prevention_change(user, obj) -> bool:
    # A contact is changed by the handler who logged it or a helpline supervisor.
    if user.has_role(Role.HELPLINE_SUPERVISOR):
        return True
    contact = _instance(obj)
    if not user.has_role(Role.CALL_HANDLER):
        return False
    return contact is None or getattr(contact, "handler", None) == user.pk


# -- stats ---------------------------------------------------------------------------


def _dashboard(user, obj) -> bool:
    return user.has_role(Role.ANALYST, Role.OPERATION_LEAD)


# -- audit ---------------------------------------------------------------------------


def supervised_force(user) -> str | None:
    """The slug of the force whose audit entries ``user`` reads as its supervisor, or None."""
    if user.has_role(Role.SUPERVISOR) and user.force_id:
        return user.force.slug
    return None


def _audit_read(user, obj) -> bool:
    if is_admin(user):
        return True
    slug = supervised_force(user)
    if slug is None:
        return False
    entry = _instance(obj)
    return entry is None or slug in (entry.force, entry.object_force)


def holds_content(entry) -> bool:
    """Whether an audit entry carries casework or helpline content beyond its figures."""
    app = (entry.model or "").split(".", 1)[0]
    # A reading of an entry copies that entry's description (a subject's name, say),
    # so readings of the log are content too.
    return (
        app in CONTENT_APPS or entry.action in CONTENT_ACTIONS or entry.model == "audit.auditentry"
    )


def _audit_read_content(user, obj) -> bool:
    entry = _instance(obj)
    slug = supervised_force(user)
    if slug is not None and (entry is None or slug in (entry.force, entry.object_force)):
        return True
    # Administrators read figures only: an entry about accounts, sign-ins or the
    # log itself is theirs in full, casework and helpline content is not.
    return is_admin(user) and entry is not None and not holds_content(entry)


def _audit_verify(user, obj) -> bool:
    return is_admin(user)


# -- accounts --------------------------------------------------------------------------


def _manage_accounts(user, obj) -> bool:
    return is_admin(user)


def _approve_grant(user, grant) -> bool:
    # The two-person rule: never the administrator who asked for it.
    grant = _instance(grant)
    return is_admin(user) and (grant is None or grant.requested_by_id != user.pk)


# -- api -------------------------------------------------------------------------------


def _use_api(user, obj) -> bool:
    return user.has_role(Role.OPERATION_LEAD) or force_id_of(user) is not None


Rule = Callable[[Any, Any], bool]

#: (action, area) -> rule(user, obj_or_model). A missing row refuses.
RULES: dict[tuple[str, str], Rule] = {
    (READ, "casework"): _casework_read,
    (CHANGE, "casework"): _casework_change,
    (READ_FIGURES, "casework"): _figures,
    (READ, "alerts"): _alerts,
    (CHANGE, "alerts"): _alerts,
    (UPLOAD, "returns"): _upload_returns,
    (READ, "examination"): _casework_read,
    (EXAMINE, "examination"): _examine,
    (READ, "bank"): _bank_read,
    (CHANGE, "bank"): _bank_change,
    (READ, "prevention"): _prevention_read,
    (READ_FIGURES, "prevention"): _prevention_read,
    (LOG, "prevention"): _prevention_log,
    (CHANGE, "prevention"): _prevention_change,
    (READ, "stats"): _dashboard,
    (READ, "audit"): _audit_read,
    (READ_CONTENT, "audit"): _audit_read_content,
    (VERIFY, "audit"): _audit_verify,
    (MANAGE, "accounts"): _manage_accounts,
    (APPROVE, "accounts"): _approve_grant,
    (USE, "api"): _use_api,
}


def allowed(user, action: str, obj_or_model: Any = None) -> bool:
    """Whether ``user`` may do ``action`` to ``obj_or_model`` (a record, a model or an area).

    Inactive and anonymous users may do nothing; an (action, area) pair without a
    rule is refused.
    """
    if not active(user):
        return False
    rule = RULES.get((action, area_of(obj_or_model)))
    return bool(rule and rule(user, obj_or_model))

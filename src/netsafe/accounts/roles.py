"""The roles a NetSafe user can hold, and what kind of access each gives.

Roles are stored as Django groups named by the role's value, so that
administrators manage them with the ordinary tools; code asks
``user.has_role(Role.SUPERVISOR)``.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    # Police roles: see only their own force's people.
    OFFICER = "officer", "Officer"
    SUPERVISOR = "supervisor", "Supervisor"
    EXAMINER = "examiner", "Digital forensic examiner"
    SAFEGUARDING = "safeguarding", "Safeguarding"
    # Operation-wide roles.
    ANALYST = "analyst", "Analyst (operation-wide figures only)"
    OPERATION_LEAD = "operation-lead", "Operation lead (operation-wide read of cases)"
    ADMINISTRATOR = "admin", "Administrator"
    # The charity's roles: see prevention data only, never casework.
    CALL_HANDLER = "call-handler", "Helpline call handler"
    HELPLINE_SUPERVISOR = "helpline-supervisor", "Helpline supervisor"
    CHARITY_ANALYST = "charity-analyst", "Charity analyst"


#: Roles that work on one force's cases.
FORCE_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.EXAMINER, Role.SAFEGUARDING})
#: Roles that see across the operation (cases for the lead, figures for the analyst).
OPERATION_ROLES = frozenset({Role.ANALYST, Role.OPERATION_LEAD, Role.ADMINISTRATOR})
#: All police-side roles.
POLICE_ROLES = FORCE_ROLES | OPERATION_ROLES
#: The charity's roles.
PREVENTION_ROLES = frozenset({Role.CALL_HANDLER, Role.HELPLINE_SUPERVISOR, Role.CHARITY_ANALYST})

"""The fixed vocabularies of casework.

Values are those of the returns contract (``shared/contracts/returns.md``) so
that a return maps onto the records one to one.
"""

from __future__ import annotations

from django.db import models


class Source(models.TextChoices):
    NCA_CEOP = "nca-ceop", "NCA-CEOP"
    NCMEC = "ncmec", "NCMEC CyberTipline"
    FORCE_INTEL = "force-intel", "Force intelligence"
    OTHER_FORCE = "other-force", "Another force"
    OTHER = "other", "Other"


class RiskBand(models.TextChoices):
    VERY_HIGH = "very-high", "Very high"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


#: Days from assessment to the date by which action is due, per band.
ACTION_DAYS = {RiskBand.VERY_HIGH: 1, RiskBand.HIGH: 7, RiskBand.MEDIUM: 14, RiskBand.LOW: 30}

#: Sort order of bands, most urgent first (used by ``.by_risk()``).
BAND_RANK = {RiskBand.VERY_HIGH: 0, RiskBand.HIGH: 1, RiskBand.MEDIUM: 2, RiskBand.LOW: 3}


class ReferralStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class IdentifierKind(models.TextChoices):
    EMAIL = "email", "E-mail address"
    PHONE = "phone", "Phone number"
    ACCOUNT = "account", "Online account"
    IP = "ip", "IP address"


class Offence(models.TextChoices):
    """Home Office offence codes for indecent images of children."""

    TAKING_MAKING_DISTRIBUTING = "86/2", "86/2 Taking, making or distributing indecent images"
    POSSESSION = "86/10", "86/10 Possession of indecent images"
    PROHIBITED_IMAGES = "86/15", "86/15 Possession of prohibited images"


class Disposal(models.TextChoices):
    """What happened to a person after arrest or interview."""

    BAIL = "bail", "Bail"
    RUI = "rui", "Released under investigation"
    CHARGED = "charged", "Charged"
    NFA = "nfa", "No further action"


class DeviceKind(models.TextChoices):
    PHONE = "phone", "Phone"
    COMPUTER = "computer", "Computer"
    LAPTOP = "laptop", "Laptop"
    TABLET = "tablet", "Tablet"
    STORAGE = "storage", "Storage (USB stick, card, disk)"
    CAMERA = "camera", "Camera"
    CONSOLE = "console", "Games console"
    OTHER = "other", "Other"


class ForensicStatus(models.TextChoices):
    AWAITING_TRIAGE = "awaiting-triage", "Awaiting triage"
    TRIAGED = "triaged", "Triaged"
    FULL_EXAMINATION = "full-examination", "Full examination"
    RETURNED = "returned", "Returned"
    DESTROYED = "destroyed", "Destroyed"


class Relationship(models.TextChoices):
    """A child's relationship to the subject."""

    OWN_CHILD = "own-child", "Own child"
    STEP_CHILD = "step-child", "Stepchild or partner's child"
    RELATIVE = "relative", "Other relative"
    HOUSEHOLD = "household", "Lives in the household"
    KNOWN = "known", "Known to the family"
    ONLINE = "online", "Online contact"
    OTHER = "other", "Other"


class ReferredTo(models.TextChoices):
    CHILDRENS_SERVICES = "childrens-services", "Children's services"
    MASH = "mash", "Multi-agency safeguarding hub (MASH)"
    OTHER = "other", "Other agency"


class SafeguardingStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class SignpostedTo(models.TextChoices):
    SUBJECT = "subject", "The subject"
    FAMILY = "family", "The family"


class OutcomeKind(models.TextChoices):
    CHARGED = "charged", "Charged"
    CAUTION = "caution", "Caution"
    CONVICTED = "convicted", "Convicted"
    NFA = "nfa", "No further action"
    RUI = "rui", "Released under investigation"
    BAIL = "bail", "Bail"

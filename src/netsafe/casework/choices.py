"""The fixed vocabularies of casework.

Values are those of the returns contract (``shared/contracts/returns.md``) so
that a return maps onto the records one to one.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    NCA_CEOP = "nca-ceop", _("NCA-CEOP")
    NCMEC = "ncmec", _("NCMEC CyberTipline")
    FORCE_INTEL = "force-intel", _("Force intelligence")
    OTHER_FORCE = "other-force", _("Another force")
    OTHER = "other", _("Other")


class RiskBand(models.TextChoices):
    VERY_HIGH = "very-high", _("Very high")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


_BAND_LABELS = dict(RiskBand.choices)


def band_label(band):
    """A referral's ``get_risk_display()`` for ``band``, without building the field's
    choices again on each call ("" for a referral not yet assessed)."""
    label = _BAND_LABELS.get(band, band)
    return str(label) if label is not None else None


#: Days from assessment to the date by which action is due, per band.
ACTION_DAYS = {RiskBand.VERY_HIGH: 1, RiskBand.HIGH: 7, RiskBand.MEDIUM: 14, RiskBand.LOW: 30}

#: Sort order of bands, most urgent first (used by ``.by_risk()``).
BAND_RANK = {RiskBand.VERY_HIGH: 0, RiskBand.HIGH: 1, RiskBand.MEDIUM: 2, RiskBand.LOW: 3}


class ReferralStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class IdentifierKind(models.TextChoices):
    EMAIL = "email", _("E-mail address")
    PHONE = "phone", _("Phone number")
    ACCOUNT = "account", _("Online account")
    IP = "ip", _("IP address")


class Offence(models.TextChoices):
    """Home Office offence codes for indecent images of children."""

    TAKING_MAKING_DISTRIBUTING = "86/2", _("86/2 Taking, making or distributing indecent images")
    POSSESSION = "86/10", _("86/10 Possession of indecent images")
    PROHIBITED_IMAGES = "86/15", _("86/15 Possession of prohibited images")


class Disposal(models.TextChoices):
    """What happened to a person after arrest or interview."""

    BAIL = "bail", _("Bail")
    RUI = "rui", _("Released under investigation")
    CHARGED = "charged", _("Charged")
    NFA = "nfa", _("No further action")


class DeviceKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    COMPUTER = "computer", _("Computer")
    LAPTOP = "laptop", _("Laptop")
    TABLET = "tablet", _("Tablet")
    STORAGE = "storage", _("Storage (USB stick, card, disk)")
    CAMERA = "camera", _("Camera")
    CONSOLE = "console", _("Games console")
    OTHER = "other", _("Other")


class ForensicStatus(models.TextChoices):
    AWAITING_TRIAGE = "awaiting-triage", _("Awaiting triage")
    TRIAGED = "triaged", _("Triaged")
    FULL_EXAMINATION = "full-examination", _("Full examination")
    RETURNED = "returned", _("Returned")
    DESTROYED = "destroyed", _("Destroyed")


class Relationship(models.TextChoices):
    """A child's relationship to the subject."""

    OWN_CHILD = "own-child", _("Own child")
    STEP_CHILD = "step-child", _("Stepchild or partner's child")
    RELATIVE = "relative", _("Other relative")
    HOUSEHOLD = "household", _("Lives in the household")
    KNOWN = "known", _("Known to the family")
    ONLINE = "online", _("Online contact")
    OTHER = "other", _("Other")


class ReferredTo(models.TextChoices):
    CHILDRENS_SERVICES = "childrens-services", _("Children's services")
    MASH = "mash", _("Multi-agency safeguarding hub (MASH)")
    OTHER = "other", _("Other agency")


class SafeguardingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class SignpostedTo(models.TextChoices):
    SUBJECT = "subject", _("The subject")
    FAMILY = "family", _("The family")


class OutcomeKind(models.TextChoices):
    CHARGED = "charged", _("Charged")
    CAUTION = "caution", _("Caution")
    CONVICTED = "convicted", _("Convicted")
    NFA = "nfa", _("No further action")
    RUI = "rui", _("Released under investigation")
    BAIL = "bail", _("Bail")

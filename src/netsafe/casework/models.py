"""Casework records of the operation.

Every record belongs to a ``force``. Records that a force sends in its
returns (``shared/contracts/returns.md``) also carry ``ref``, the force's own
reference, unique per force and type, and use the contract's field names and
choice values, so a return maps onto them one to one.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models.functions import Lower, Upper
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.text import capfirst

from netsafe.accounts.models import Force
from netsafe.audit import chain as audit_chain

from . import normalise, plausibility, references, risk
from .choices import (
    DeviceKind,
    Disposal,
    ForensicStatus,
    IdentifierKind,
    Offence,
    OutcomeKind,
    ReferralStatus,
    ReferredTo,
    Relationship,
    RiskBand,
    SafeguardingStatus,
    SignpostedTo,
    Source,
    band_label,
)
from .querysets import (
    AlertQuerySet,
    CaseQuerySet,
    DeviceQuerySet,
    ReferralQuerySet,
    SafeguardingQuerySet,
    WarrantQuerySet,
    today,
)

#: Stands for a record's key in a URL reversed once per page kind.
_KEY = 9876543210


@lru_cache(maxsize=128)
def _around_key(name: str, prefix: str, urlconf: str) -> tuple[str, str]:
    # The script prefix and URL map are part of the key: reverse() reads both.
    url = reverse(name, args=[_KEY], urlconf=urlconf)
    before, _, after = url.partition(str(_KEY))
    return before, after


def record_url(name: str, pk: int) -> str:
    """``reverse(name, args=[pk])`` for a page that takes a record's key, reversed once.

    A list of 25 records, or My work's 50, links each to its page; resolving the URL
    map for each took longer than the rest of the row.
    """
    before, after = _around_key(name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    return f"{before}{pk}{after}"


class ForceScoped(models.Model):
    """Anything held by one force."""

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    #: Parent links (in order of preference) whose force a new record takes.
    FORCE_FROM: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        self.fill_force()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return record_url(f"casework:{self._meta.model_name}-detail", self.pk)

    def fill_force(self) -> None:
        """Take the force of the parent record when none was given."""
        if self.force_id:
            return
        for name in self.FORCE_FROM:
            if getattr(self, f"{name}_id", None):
                self.force_id = getattr(self, name).force_id
                return

    def clean(self) -> None:
        """Refuse a link to a record of another force."""
        super().clean()
        for field in self._meta.concrete_fields:
            if not field.is_relation or field.name == "force":
                continue
            if not issubclass(field.related_model, ForceScoped):
                continue
            target = getattr(self, field.name, None)
            if target is not None and self.force_id and target.force_id != self.force_id:
                raise ValidationError({field.name: "Choose a record of your own force."})
        self.check_plausible()

    def plausibility_facts(self) -> dict:
        """What the plausibility rules need of other records (see :func:`.plausibility.check`)."""
        return {}

    def check_plausible(self) -> None:
        """Refuse values that cannot be true (:mod:`.plausibility`), each next to its field."""
        values = {
            f.name: getattr(self, f.attname) for f in self._meta.concrete_fields if not f.generated
        }
        findings = plausibility.check(self._meta.model_name, values, **self.plausibility_facts())
        if not findings:
            return
        errors: dict[str, list[ValidationError]] = {}
        for finding in findings:
            label = capfirst(self._meta.get_field(finding.field).verbose_name)
            # The rule apart from the label, for a page that names the field its own way
            # (the date input: "Date received must be ...").
            errors.setdefault(finding.field, []).append(
                ValidationError(
                    f"{label} {finding.message}.".replace("%", "%%"),
                    code="implausible",
                    params={"rule": finding.message},
                )
            )
        raise ValidationError(errors)

    def _warrant_facts(self) -> dict:
        warrant = self.warrant if getattr(self, "warrant_id", None) else None
        if warrant is None:
            return {}
        return {"warrant": plausibility.WarrantFacts(warrant.ref, warrant.executed)}


class ReferenceCounter(models.Model):
    """The last number given in a force's references for one kind of record (``GW-REF-00056``).

    Read and written only while the audit chain's lock is held (a record's ``save``),
    so two officers saving at once never draw the same number.
    """

    model = models.CharField(max_length=100)
    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="+")
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["model", "force"], name="casework_refcounter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.model} {self.force_id}: {self.last}"


class CaseRecord(ForceScoped):
    """A record with the force's own reference (``ref``), as in a return."""

    #: Prefix of references generated for records entered on the pages.
    REF_PREFIX = "REC"

    ref = models.CharField(
        "reference",
        max_length=40,
        blank=True,
        help_text="The force's own reference; leave blank to have one given.",
    )

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["force", "ref"], name="%(app_label)s_%(class)s_unique_ref"
            )
        ]

    def __str__(self) -> str:
        return self.ref or f"new {self._meta.verbose_name}"

    def save(self, *args, **kwargs) -> None:
        self.fill_force()
        if self.ref:
            super().save(*args, **kwargs)
            return
        # Two officers saving at once would draw the same number (neither sees the other's
        # uncommitted record). The audit chain's lock, which this record's audited creation
        # takes a moment later anyway, makes the second wait for the first to commit.
        # The retries remain for references typed by hand that take a number ahead.
        with transaction.atomic():
            audit_chain.lock()
            for attempt in range(5):
                self.ref = self._next_ref()
                try:
                    with transaction.atomic():
                        super().save(*args, **kwargs)
                    return
                except IntegrityError:
                    if attempt == 4:
                        raise

    def clean(self) -> None:
        """Refuse a reference the force already uses for this kind of record."""
        super().clean()
        self.ref = self.ref.strip()
        if self.ref and self.force_id:
            taken = type(self)._default_manager.filter(force_id=self.force_id, ref=self.ref)
            if taken.exclude(pk=self.pk).exists():
                raise ValidationError(
                    {"ref": f"Your force already has a {self._meta.verbose_name} {self.ref}."}
                )

    def _next_ref(self) -> str:
        # The force's code first (GW-REF-00056): a reference then names one record in the
        # whole operation, not one in each force. The force's last number is kept in a
        # row (taken under the audit chain's lock, held by save): counting the force's
        # references for every new record cost more the more records there were, and
        # every audited write in the operation waited on that count.
        prefix = f"{references.force_code(self.force.slug)}-{self.REF_PREFIX}-"
        mine = type(self)._default_manager.filter(force_id=self.force_id, ref__startswith=prefix)
        counter, created = ReferenceCounter.objects.get_or_create(
            model=self._meta.label_lower, force_id=self.force_id
        )
        if created:  # the first number given since counters were kept: after those in use
            counter.last = mine.count()
        number = counter.last + 1
        while mine.filter(ref=f"{prefix}{number:05d}").exists():
            number += 1  # a reference typed by hand took this number
        counter.last = number
        counter.save(update_fields=["last"])
        return f"{prefix}{number:05d}"

    @property
    def operation_ref(self) -> str:
        """The reference as the whole operation knows it: with the force's code in front.

        Generated references carry it already; a force's own reference from a
        return (``GS1``) gets it here (``GW-GS1``) wherever another force reads it.
        """
        code = references.force_code(self.force.slug)
        return self.ref if self.ref.startswith(f"{code}-") else f"{code}-{self.ref}"


# --- Referrals and subjects ---------------------------------------------------------

#: The rows of the partial indexes for My work's "Overdue actions" and "Warrants to execute".
OPEN_NOT_ACTIONED = models.Q(status=ReferralStatus.OPEN, actioned__isnull=True)
TO_EXECUTE = models.Q(issued__isnull=False, executed__isnull=True)


class Referral(CaseRecord):
    """An intelligence package that starts an investigation."""

    REF_PREFIX = "REF"

    source = models.CharField(max_length=20, choices=Source.choices)
    package_ref = models.CharField(
        "package reference",
        max_length=60,
        blank=True,
        help_text="The sender's reference, e.g. the CEOP package or CyberTipline report number.",
    )
    received = models.DateField(default=today)
    summary = models.TextField(blank=True, help_text="What the intelligence says, in brief.")
    status = models.CharField(
        max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.OPEN
    )
    risk = models.CharField(
        "risk band",
        max_length=10,
        choices=RiskBand.choices,
        blank=True,
        help_text="Set by the latest risk assessment.",
    )
    action_due = models.DateField("action due by", null=True, blank=True)
    actioned = models.DateField(
        "actioned on",
        null=True,
        blank=True,
        help_text="When the referral was acted on (warrant executed, arrest or interview).",
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="officer in the case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
    )

    objects = ReferralQuerySet.as_manager()

    class Meta(CaseRecord.Meta):
        ordering = ["-received", "-id"]
        # Lists are read newest first, per force or operation-wide (scanned backwards).
        indexes = [
            models.Index(fields=["force", "received", "id"]),
            models.Index(fields=["received", "id"]),
            # "Awaiting assessment" and "overdue", in the order My work shows them.
            models.Index(fields=["force", "status", "risk", "action_due", "received", "id"]),
            models.Index(fields=["status", "risk", "action_due", "received", "id"]),
            models.Index(fields=["force", "status", "actioned", "action_due"]),
            models.Index(fields=["status", "actioned", "action_due"]),
            # "Overdue" band by band, in My work's order: only the open referrals not yet
            # acted on are in these, so none is read to be thrown away.
            models.Index(
                fields=["force", "risk", "action_due", "received", "id"],
                condition=OPEN_NOT_ACTIONED,
                name="casework_re_force_overdue_idx",
            ),
            models.Index(
                fields=["risk", "action_due", "received", "id"],
                condition=OPEN_NOT_ACTIONED,
                name="casework_re_overdue_idx",
            ),
        ]

    def is_open(self) -> bool:
        """Not closed."""
        return self.status == ReferralStatus.OPEN


class Subject(CaseRecord):
    """The person a referral is about."""

    FORCE_FROM = ("referral",)

    REF_PREFIX = "SUB"

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="subjects")
    given_names = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    born = models.PositiveSmallIntegerField(
        "year born",
        null=True,
        blank=True,
        help_text="Filled from the date of birth when that is known.",
    )
    postcode_district = models.CharField(
        max_length=4, blank=True, help_text="The first half of the postcode, for example CF10."
    )
    notes = models.TextField(blank=True)
    name_key = models.CharField(max_length=250, blank=True, editable=False, db_index=True)
    # Lower-case copies kept by the database itself (so bulk loads have them too):
    # a name is searched by its beginning, which an index on these answers.
    family_name_lower = models.GeneratedField(
        expression=Lower("family_name"),
        output_field=models.CharField(max_length=100),
        db_persist=True,
    )
    given_names_lower = models.GeneratedField(
        expression=Lower("given_names"),
        output_field=models.CharField(max_length=100),
        db_persist=True,
    )

    class Meta(CaseRecord.Meta):
        ordering = ["family_name", "given_names", "id"]
        indexes = [
            models.Index(fields=["force", "family_name", "given_names", "id"]),
            models.Index(fields=["family_name", "given_names", "id"]),
            models.Index(fields=["family_name_lower"]),
            models.Index(fields=["given_names_lower"]),
            models.Index(fields=["ref"]),
            models.Index(fields=["postcode_district"]),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.given_names} {self.family_name}".strip()

    def save(self, *args, **kwargs) -> None:
        if self.date_of_birth:
            self.born = self.date_of_birth.year
        self.postcode_district = self.postcode_district.strip().upper()
        self.name_key = normalise.name_and_birth(
            self.given_names, self.family_name, self.date_of_birth
        )
        super().save(*args, **kwargs)

    @property
    def name(self) -> str:
        """Given names and family name."""
        return f"{self.given_names} {self.family_name}"

    def clean(self) -> None:
        super().clean()
        if self.date_of_birth and self.born and self.born != self.date_of_birth.year:
            raise ValidationError({"born": "The year born does not match the date of birth."})


class Identifier(ForceScoped):
    """An e-mail address, phone, online account or IP address on a referral or subject."""

    FORCE_FROM = ("subject", "referral")

    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.CASCADE, related_name="identifiers"
    )
    subject = models.ForeignKey(
        Subject, null=True, blank=True, on_delete=models.CASCADE, related_name="identifiers"
    )
    kind = models.CharField(max_length=10, choices=IdentifierKind.choices)
    value = models.CharField(max_length=254)
    service = models.CharField(
        max_length=60, blank=True, help_text="For an online account: the service or platform."
    )
    seen_at = models.DateTimeField(
        "seen at", null=True, blank=True, help_text="For an IP address: when it was used."
    )
    normalised = models.CharField(max_length=300, editable=False, db_index=True)
    #: An online account's handle without its service: a search for the handle alone
    #: finds the account on any service by this column's index (a match on the end of
    #: ``normalised`` read every identifier).
    handle = models.CharField(max_length=300, blank=True, default="", editable=False)

    class Meta:
        ordering = ["kind", "value"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(referral__isnull=False) | models.Q(subject__isnull=False),
                name="casework_identifier_has_owner",
            )
        ]
        indexes = [
            models.Index(
                fields=["handle"],
                condition=models.Q(kind="account"),
                name="casework_identifier_handle",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"

    def save(self, *args, **kwargs) -> None:
        self.derive_keys()
        super().save(*args, **kwargs)

    def derive_keys(self) -> None:
        """Fill ``normalised`` (and an account's ``handle``) from the kind, value and service."""
        self.normalised = normalise.identifier(self.kind, self.value, self.service)
        # The handle as a search for it is normalised: the account without its service.
        self.handle = normalise.account(self.value) if self.kind == "account" else ""

    @property
    def owner(self):
        """The subject or referral this identifier is on."""
        return self.subject or self.referral

    def clean(self) -> None:
        super().clean()
        if self.referral_id is None and self.subject_id is None:
            raise ValidationError("An identifier belongs to a referral or a subject.")
        if self.kind in IdentifierKind.values and self.value:
            try:
                self.normalised = normalise.identifier(self.kind, self.value, self.service)
            except ValidationError as exc:
                raise ValidationError({"value": exc.messages}) from exc


class Address(ForceScoped):
    """An address linked to a subject."""

    FORCE_FROM = ("subject",)

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="addresses")
    line1 = models.CharField("address line 1", max_length=150)
    line2 = models.CharField("address line 2", max_length=150, blank=True)
    town = models.CharField("town or city", max_length=80, blank=True)
    postcode = models.CharField(max_length=10)
    current = models.BooleanField("current address", default=True)
    normalised = models.CharField(max_length=200, editable=False, db_index=True)

    class Meta:
        ordering = ["-current", "postcode"]
        verbose_name_plural = "addresses"

    def __str__(self) -> str:
        return ", ".join(p for p in (self.line1, self.line2, self.town, self.postcode) if p)

    def save(self, *args, **kwargs) -> None:
        self.postcode = " ".join(self.postcode.upper().split())
        self.normalised = normalise.address(self.line1, self.postcode)
        super().save(*args, **kwargs)


# --- Risk ---------------------------------------------------------------------------


class RiskAssessment(CaseRecord):
    """A four-step structured assessment giving a band and a date action is due."""

    FORCE_FROM = ("referral",)

    REF_PREFIX = "RA"

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="assessments")
    assessed_on = models.DateField(default=today)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Step 1: previous behaviour
    prior_sexual_offence = models.BooleanField(default=False)
    prior_images = models.BooleanField(default=False)
    prior_violence = models.BooleanField(default=False)
    # Step 2: access to children
    lives_with_children = models.BooleanField(default=False)
    works_with_children = models.BooleanField(default=False)
    contact_with_children = models.BooleanField(default=False)
    # Step 3: current facilitators
    online_contact = models.BooleanField(default=False)
    distribution = models.BooleanField(default=False)
    severity = models.BooleanField(default=False)
    concealment = models.BooleanField(default=False)
    # Step 4: other factors
    vulnerability = models.BooleanField(default=False)
    substance_misuse = models.BooleanField(default=False)
    crisis = models.BooleanField(default=False)
    concern = models.BooleanField(default=False)
    rationale = models.TextField(blank=True, help_text="Why, in a few words.")
    band = models.CharField("risk band", max_length=10, choices=RiskBand.choices, editable=False)
    action_due = models.DateField("action due by", editable=False)

    class Meta(CaseRecord.Meta):
        ordering = ["-assessed_on", "-id"]

    def save(self, *args, **kwargs) -> None:
        self.band = risk.band(self.answers())
        self.action_due = risk.action_due(self.band, self.assessed_on)
        # (Its referral takes the band in casework.services.assessed, not here.)
        super().save(*args, **kwargs)

    def answers(self) -> dict[str, bool]:
        """The yes/no answers by question."""
        return {name: getattr(self, name) for name in risk.QUESTION_FIELDS}


class AssessmentDraft(models.Model):
    """The answers of a risk assessment in progress, kept on its referral until it is saved.

    On the referral rather than in a session, so that answers survive signing out, a
    session that ends, or another officer of the force finishing the assessment.
    """

    referral = models.OneToOneField(
        Referral, on_delete=models.CASCADE, related_name="assessment_draft"
    )
    #: ``yes``/``no`` by question field (casework.risk.QUESTION_FIELDS).
    answers = models.JSONField(default=dict, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "risk assessment in progress"
        verbose_name_plural = "risk assessments in progress"

    def __str__(self) -> str:
        return f"risk assessment in progress of {self.referral}"

    @property
    def force_id(self) -> int:
        """The referral's force (the audit log files the draft's entries under it)."""
        return self.referral.force_id


# --- Warrants, arrests and interviews -----------------------------------------------


class Warrant(CaseRecord):
    """A search warrant, from application to execution."""

    FORCE_FROM = ("subject",)

    REF_PREFIX = "WAR"

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="warrants")
    address = models.TextField(help_text="The premises to be searched.")
    applied = models.DateField("applied for on", null=True, blank=True)
    issued = models.DateField("issued on", null=True, blank=True)
    executed = models.DateField("executed on", null=True, blank=True)
    outcome = models.CharField(
        "result",
        max_length=200,
        blank=True,
        help_text="What the search found, for example devices seized or no trace.",
    )
    notes = models.TextField(blank=True)

    objects = WarrantQuerySet.as_manager()

    class Meta(CaseRecord.Meta):
        ordering = ["-issued", "-applied", "-id"]
        indexes = [
            models.Index(fields=["force", "issued", "applied", "id"]),
            models.Index(fields=["issued", "applied", "id"]),
            models.Index(fields=["force", "executed", "issued", "id"]),
            models.Index(fields=["executed", "issued", "id"]),
            # "To execute", oldest issue first. PostgreSQL cannot take the order from the
            # index above (an IS NULL is no equality to it), so it walked every issued
            # warrant; these hold only the warrants issued and not executed.
            models.Index(
                fields=["force", "issued", "id"],
                condition=TO_EXECUTE,
                name="casework_wa_force_to_exec_idx",
            ),
            models.Index(
                fields=["issued", "id"], condition=TO_EXECUTE, name="casework_wa_to_exec_idx"
            ),
        ]

    @property
    def risk_band(self) -> str:
        """The subject's current risk band, for ordering work."""
        return band_label(self.subject.referral.risk)

    def can_issue(self) -> bool:
        """Applied for and not yet issued (or executed)."""
        return self.issued is None and self.executed is None

    def can_execute(self) -> bool:
        """Issued and not yet executed."""
        return self.issued is not None and self.executed is None


class Encounter(CaseRecord):
    """What arrests and voluntary interviews share."""

    FORCE_FROM = ("subject",)

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="%(class)ss")
    warrant = models.ForeignKey(
        Warrant, null=True, blank=True, on_delete=models.SET_NULL, related_name="%(class)ss"
    )
    date = models.DateField(default=today)
    offences = models.JSONField(
        default=list, blank=True, help_text="Home Office offence codes, for example 86/10."
    )
    disposal = models.CharField(
        "after interview", max_length=10, choices=Disposal.choices, blank=True
    )
    bail_until = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta(CaseRecord.Meta):
        abstract = True
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["force", "date", "id"])]

    def clean(self) -> None:
        super().clean()
        if not isinstance(self.offences, list):
            raise ValidationError({"offences": "A list of Home Office offence codes."})
        unknown = [c for c in self.offences if c not in Offence.values]
        if unknown:
            raise ValidationError(
                {"offences": f"Unknown offence code(s): {', '.join(map(str, unknown))}."}
            )
        if self.warrant_id and self.subject_id and self.warrant.subject_id != self.subject_id:
            raise ValidationError({"warrant": "That warrant is for another subject."})

    def plausibility_facts(self) -> dict:
        return self._warrant_facts()


class Arrest(Encounter):
    """A subject arrested, with the offences and what happened after interview."""

    REF_PREFIX = "ARR"

    #: The custody clock starts at the arrest (PACE s.41): the pages ask for it; a
    #: return, which carries no time, leaves it empty.
    time = models.TimeField("time of arrest", null=True, blank=True)

    class Meta(Encounter.Meta):
        # People arrested are distinct subjects, by force and up to a date (the home
        # page's figure and netsafe.stats.figures): counted from this index alone.
        indexes = [*Encounter.Meta.indexes, models.Index(fields=["force", "subject", "date"])]


class VoluntaryInterview(Encounter):
    """A subject interviewed under caution without arrest."""

    REF_PREFIX = "VI"


# --- Devices ------------------------------------------------------------------------


class Device(CaseRecord):
    """A seized device (an exhibit) with its chain of custody and forensic status."""

    FORCE_FROM = ("subject", "warrant")

    REF_PREFIX = "DEV"

    exhibit_ref = models.CharField(
        "exhibit reference",
        max_length=40,
        help_text="As on the exhibit label, for example JS/1: one exhibit per reference in "
        "the operation.",
    )
    subject = models.ForeignKey(
        Subject, null=True, blank=True, on_delete=models.PROTECT, related_name="devices"
    )
    warrant = models.ForeignKey(
        Warrant, null=True, blank=True, on_delete=models.SET_NULL, related_name="devices"
    )
    kind = models.CharField(max_length=10, choices=DeviceKind.choices)
    make = models.CharField(max_length=60, blank=True)
    model_name = models.CharField("model", max_length=60, blank=True)
    serial = models.CharField("serial number", max_length=80, blank=True)
    seized = models.DateField("seized on", default=today)
    seized_where = models.CharField(
        "seized where", max_length=200, blank=True, help_text="The address and room."
    )
    seized_by = models.CharField(
        "seized by", max_length=100, blank=True, help_text="Name and collar number."
    )
    forensic_status = models.CharField(
        max_length=20, choices=ForensicStatus.choices, default=ForensicStatus.AWAITING_TRIAGE
    )
    notes = models.TextField(blank=True)

    objects = DeviceQuerySet.as_manager()

    class Meta(CaseRecord.Meta):
        ordering = ["-seized", "-id"]
        # The triage queue is read by status in order of seizure, per force or operation-wide.
        constraints = [
            *CaseRecord.Meta.constraints,
            # One exhibit per reference in the whole operation, however it is capitalised.
            # (A device sent in a return has none: the contract carries no exhibit.)
            models.UniqueConstraint(
                Upper("exhibit_ref"),
                condition=~models.Q(exhibit_ref=""),
                name="casework_device_unique_exhibit",
            ),
        ]
        indexes = [
            models.Index(fields=["force", "forensic_status", "seized", "id"]),
            models.Index(fields=["forensic_status", "seized", "id"]),
            models.Index(fields=["force", "seized", "id"]),
            models.Index(fields=["seized", "id"]),
        ]

    def __str__(self) -> str:
        label = " ".join(p for p in (self.make, self.model_name) if p) or self.get_kind_display()
        return f"{self.ref} {label}".strip()

    def save(self, *args, **kwargs) -> None:
        if self.warrant_id and not self.subject_id:
            self.subject_id = self.warrant.subject_id
        super().save(*args, **kwargs)

    def needs_seizure(self) -> bool:
        """No chain of custody yet: its first entry, the seizure, is to be recorded."""
        return not self.custody.exists()

    def has_custody(self) -> bool:
        """The chain of custody has begun (hand-overs and corrections can follow)."""
        return self.custody.exists()

    @property
    def risk_band(self) -> str:
        """The subject's current risk band (none for a device of no known subject)."""
        return band_label(self.subject.referral.risk) if self.subject_id else ""

    def clean(self) -> None:
        super().clean()
        if self.warrant_id and self.subject_id and self.warrant.subject_id != self.subject_id:
            raise ValidationError({"warrant": "That warrant is for another subject."})
        self.exhibit_ref = (self.exhibit_ref or "").strip()
        if self.exhibit_ref:
            taken = Device.objects.filter(exhibit_ref__iexact=self.exhibit_ref).exclude(pk=self.pk)
            if taken.exists():
                # Whose it is stays unsaid: it may be another force's exhibit.
                raise ValidationError(
                    {
                        "exhibit_ref": f"Exhibit reference {self.exhibit_ref} is already used "
                        "in the operation: each exhibit has its own reference."
                    }
                )

    def plausibility_facts(self) -> dict:
        return self._warrant_facts()


class CustodyKind(models.TextChoices):
    SEIZURE = "seizure", "Seizure"
    HANDOVER = "handover", "Hand-over"
    CORRECTION = "correction", "Correction"


class AppendOnly(Exception):
    """A chain-of-custody entry is never changed or deleted: a correction is a new entry."""


class CustodyQuerySet(CaseQuerySet):
    """Entries of the ledger: no bulk change or delete either."""

    def update(self, **kwargs):
        raise AppendOnly("Chain-of-custody entries cannot be changed: record a correction.")

    def delete(self):
        raise AppendOnly("Chain-of-custody entries cannot be deleted: record a correction.")


class CustodyEvent(ForceScoped):
    """One entry of a device's chain of custody: an append-only ledger.

    Entry one is the seizure; each later entry is a hand-over from the current
    holder to a named user or a named outside body (with its reference), at a
    time after the entry before; a correction is a new entry pointing at the
    entry it corrects, with the values it should have had. Entries are
    written only through :mod:`netsafe.casework.custody`, which holds those
    rules; nothing changes or deletes an entry once written. ``handed_by`` and
    ``received_by`` keep the names as they were at the time (a user may later
    be renamed or leave).
    """

    FORCE_FROM = ("device",)

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="custody")
    number = models.PositiveIntegerField("entry", help_text="1 is the seizure.")
    kind = models.CharField(max_length=10, choices=CustodyKind.choices)
    at = models.DateTimeField("when")
    handed_by = models.CharField("handed over by", max_length=150, blank=True)
    received_by = models.CharField("received by", max_length=150)
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="received by (user)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    body = models.CharField(
        "outside body",
        max_length=150,
        blank=True,
        help_text="For example a forensic provider or the court.",
    )
    body_reference = models.CharField("outside body's reference", max_length=80, blank=True)
    location = models.CharField("where", max_length=200)
    reason = models.CharField(max_length=200, blank=True, help_text="For example: to the DFU.")
    corrects = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        help_text="The entry this one corrects.",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = CustodyQuerySet.as_manager()

    class Meta:
        ordering = ["device", "number"]
        verbose_name = "chain-of-custody entry"
        verbose_name_plural = "chain of custody"
        constraints = [
            models.UniqueConstraint(fields=["device", "number"], name="casework_custody_number")
        ]

    def __str__(self) -> str:
        if self.kind == CustodyKind.SEIZURE:
            return f"{self.number}. seized by {self.received_by}, {self.location}"
        return f"{self.number}. {self.handed_by} to {self.received_by}, {self.location}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnly("Chain-of-custody entries cannot be changed: record a correction.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("Chain-of-custody entries cannot be deleted: record a correction.")


# --- Safeguarding, signposting, outcomes ----------------------------------------------


class Safeguarding(CaseRecord):
    """Children identified around a subject and their referral to children's services."""

    FORCE_FROM = ("subject",)

    REF_PREFIX = "SG"

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="safeguarding")
    date = models.DateField(default=today)
    children = models.PositiveSmallIntegerField(
        "children safeguarded", help_text="How many children were identified and safeguarded."
    )
    referred_to = models.CharField(max_length=20, choices=ReferredTo.choices, blank=True)
    referral_date = models.DateField("date referred", null=True, blank=True)
    agency_outcome = models.TextField(
        "outcome of the referral", blank=True, help_text="What children's services or MASH did."
    )
    status = models.CharField(
        max_length=10, choices=SafeguardingStatus.choices, default=SafeguardingStatus.OPEN
    )
    notes = models.TextField(blank=True)

    objects = SafeguardingQuerySet.as_manager()

    class Meta(CaseRecord.Meta):
        ordering = ["-date", "-id"]
        verbose_name_plural = "safeguarding"
        indexes = [
            models.Index(fields=["force", "date", "id"]),
            models.Index(fields=["status", "date", "id"]),
        ]

    def is_open(self) -> bool:
        """Not closed."""
        return self.status == SafeguardingStatus.OPEN

    def clean(self) -> None:
        super().clean()
        if self.referral_date and not self.referred_to:
            raise ValidationError({"referred_to": "Say who the children were referred to."})


class Child(ForceScoped):
    """One child identified in a safeguarding record (no name is kept here)."""

    FORCE_FROM = ("safeguarding",)

    safeguarding = models.ForeignKey(
        Safeguarding, on_delete=models.CASCADE, related_name="child_details"
    )
    age = models.PositiveSmallIntegerField(help_text="In years; 0 for a baby.")
    relationship = models.CharField(
        "relationship to the subject", max_length=12, choices=Relationship.choices
    )
    notes = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["safeguarding", "-age", "id"]
        verbose_name_plural = "children"

    def __str__(self) -> str:
        return f"child aged {self.age} ({self.get_relationship_display().lower()})"

    def clean(self) -> None:
        super().clean()
        if self.age is not None and self.age > 17:
            raise ValidationError({"age": "A child is 17 or younger."})


class Signposting(CaseRecord):
    """Stop it Now! details given at the door, to the subject or the family."""

    FORCE_FROM = ("warrant",)

    REF_PREFIX = "SP"

    warrant = models.ForeignKey(Warrant, on_delete=models.PROTECT, related_name="signposting")
    to = models.CharField("given to", max_length=10, choices=SignpostedTo.choices)
    date = models.DateField(default=today)
    notes = models.CharField(max_length=200, blank=True, help_text="What was given, by whom.")

    class Meta(CaseRecord.Meta):
        ordering = ["-date", "-id"]
        verbose_name_plural = "signposting"
        # The figures count by force and day (netsafe.stats.figures): read from this
        # index alone, without sorting the table.
        indexes = [models.Index(fields=["force", "date", "id"])]


class Outcome(CaseRecord):
    """How a subject's case ended (or stands)."""

    FORCE_FROM = ("subject",)

    REF_PREFIX = "OUT"

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="outcomes")
    date = models.DateField(default=today)
    outcome = models.CharField(max_length=10, choices=OutcomeKind.choices)
    sentence = models.CharField(max_length=200, blank=True, help_text="When convicted.")
    notes = models.TextField(blank=True)

    class Meta(CaseRecord.Meta):
        ordering = ["-date", "-id"]

    def clean(self) -> None:
        super().clean()
        if self.outcome == OutcomeKind.CONVICTED and not self.sentence:
            raise ValidationError({"sentence": "Enter the sentence given."})
        if self.sentence and self.outcome != OutcomeKind.CONVICTED:
            raise ValidationError({"sentence": "A sentence is only for a conviction."})

    def plausibility_facts(self) -> dict:
        if self.outcome != OutcomeKind.CONVICTED or not self.subject_id:
            return {}
        charged = Outcome.objects.filter(subject_id=self.subject_id, outcome=OutcomeKind.CHARGED)
        first = charged.exclude(pk=self.pk).aggregate(first=models.Min("date"))["first"]
        return {"first_charged": first}


# --- Deconfliction ------------------------------------------------------------------


class Alert(ForceScoped):
    """Another force holds a subject sharing an identifier with one of ours.

    It names only the other force, its reference and its contact desk: never
    anything of the other force's subject.
    """

    subject = models.ForeignKey(
        Subject, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    matched_on = models.CharField(max_length=40, help_text="Which of our own identifiers matched.")
    other_force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="+")
    other_ref = models.CharField("their reference", max_length=40)
    other_contact = models.CharField("their contact", max_length=200)
    key = models.CharField(max_length=200, unique=True, editable=False)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = "deconfliction alert"

    def __str__(self) -> str:
        return f"{self.other_force} also holds {self.other_ref}"

    def get_absolute_url(self) -> str:
        return record_url("casework:alert-detail", self.pk)

    @property
    def own_record(self):
        """Our subject or referral that matched."""
        return self.subject or self.referral

"""The helpline log, safeguarding escalations, self-help visit counts and released figures.

These tables live in the ``prevention`` database only (``netsafe.web.routers``).
No field can hold a caller's name, phone number, e-mail, address or IP
address: structured answers are fixed choices, and every free-text field is
checked by :func:`~netsafe.prevention.identifiers.refuse_identifiers` on every
save. Staff are referred to by their user id, an opaque number, because a
relation to the user table would cross into the police database.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .choices import (
    CallerType,
    Channel,
    Concern,
    ContactLanguage,
    EscalatedTo,
    HeardFrom,
    Nation,
    Offending,
    Offer,
    Region,
    Topic,
)
from .identifiers import refuse_identifiers, validate_caller_code
from .periods import local_bounds


def _choice_list_validator(choices: type[models.TextChoices], what: str):
    def validate(value) -> None:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError(f"{what} must be a list of codes.", code="invalid")
        unknown = sorted(set(value) - set(choices.values))
        if unknown:
            raise ValidationError(
                f"Unknown {what.lower()}: {', '.join(unknown)}. "
                f"Choose from {', '.join(choices.values)}.",
                code="invalid_choice",
            )

    validate.__name__ = f"validate_{what.lower().replace(' ', '_')}"
    return validate


def validate_topics(value) -> None:
    """Validator: a list of :class:`Topic` codes."""
    _choice_list_validator(Topic, "Topics")(value)


def validate_offered(value) -> None:
    """Validator: a list of :class:`Offer` codes."""
    _choice_list_validator(Offer, "Offers")(value)


class CheckedOnSave(models.Model):
    """Validate every field on every save, so no code path can store an identifier."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        """Save after validating every field (identifiers are refused here too)."""
        self.full_clean()
        super().save(*args, **kwargs)


class ContactQuerySet(models.QuerySet):
    """Named selections of contacts: by day, by period, by nation."""

    def between(self, first, last):
        """Contacts on the days ``first`` to ``last`` (local time, both included)."""
        start, end = local_bounds(first, last)
        return self.filter(occurred_at__gte=start, occurred_at__lt=end)

    def on_day(self, day):
        """Contacts whose time falls on ``day`` (local time)."""
        return self.between(day, day)

    def in_nation(self, nation: str):
        """Contacts from callers living in ``nation`` (any of its regions)."""
        from .choices import regions_in

        return self.filter(region__in=regions_in(nation))


class Contact(CheckedOnSave):
    """One helpline contact: a call, a chat or a secure e-mail. Never who it was."""

    occurred_at = models.DateTimeField(_("Date and time"), default=timezone.now, db_index=True)
    channel = models.CharField(
        _("Channel"), max_length=10, choices=Channel.choices, default=Channel.PHONE
    )
    #: The language the contact was held in (the Welsh Language Standards ask it be known).
    language = models.CharField(
        _("Language of the contact"),
        max_length=2,
        choices=ContactLanguage.choices,
        default=ContactLanguage.ENGLISH,
    )
    caller_type = models.CharField(_("Who is calling"), max_length=20, choices=CallerType.choices)
    offending = models.CharField(
        _("Has the person the call is about offended?"),
        max_length=10,
        choices=Offending.choices,
        default=Offending.NOT_SAID,
    )
    region = models.CharField(
        _("Where the caller lives"), max_length=30, choices=Region.choices, default=Region.UNKNOWN
    )
    heard_from = models.CharField(
        _("How they heard of us"),
        max_length=20,
        choices=HeardFrom.choices,
        default=HeardFrom.NOT_SAID,
    )
    topics = models.JSONField(_("Topics"), default=list, blank=True, validators=[validate_topics])
    offered = models.JSONField(
        _("What was offered"), default=list, blank=True, validators=[validate_offered]
    )
    duration_minutes = models.PositiveSmallIntegerField(
        _("Duration (minutes)"), validators=[MinValueValidator(0), MaxValueValidator(600)]
    )
    caller_code = models.CharField(
        _("Returning-caller code"),
        max_length=20,
        blank=True,
        db_index=True,
        validators=[validate_caller_code],
        help_text=_(
            "A code the caller chose or was given, e.g. OAK-42. Never a name or number "
            "that identifies them."
        ),
    )
    notes = models.TextField(
        _("Notes"),
        blank=True,
        validators=[refuse_identifiers],
        help_text=_("What helps the next handler. No names, numbers, e-mail or postcodes."),
    )
    #: The staff user's id (no relation: users live in the other database).
    handler = models.PositiveIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(channel__in=Channel.values), name="contact_channel_known"
            ),
            models.CheckConstraint(
                condition=models.Q(region__in=Region.values), name="contact_region_known"
            ),
            models.CheckConstraint(
                condition=models.Q(language__in=ContactLanguage.values),
                name="contact_language_known",
            ),
        ]

    def __str__(self) -> str:
        when = date_format(timezone.localtime(self.occurred_at), "j M Y H:i")
        return _("%(channel)s contact, %(when)s") % {
            "channel": self.get_channel_display(),
            "when": when,
        }

    def clean_fields(self, exclude=None) -> None:
        """Normalise the caller code, then validate the fields."""
        # Codes are compared case-blind, so store them one way.
        self.caller_code = (self.caller_code or "").strip().upper()
        super().clean_fields(exclude)

    def clean(self) -> None:
        """A contact cannot be logged for a time still to come."""
        if self.occurred_at and self.occurred_at > timezone.now() + timedelta(minutes=5):
            raise ValidationError({"occurred_at": _("A contact cannot be in the future.")})

    def topic_labels(self) -> list[str]:
        """The topics in words."""
        return [Topic(t).label for t in self.topics]

    def offered_labels(self) -> list[str]:
        """What was offered, in words."""
        return [Offer(o).label for o in self.offered]


class Escalation(CheckedOnSave):
    """A safeguarding escalation: that one was made, when and to whom. An event, no identity."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="escalations")
    made_at = models.DateTimeField(_("When it was made"), default=timezone.now)
    concern = models.CharField(_("Concern"), max_length=20, choices=Concern.choices)
    made_to = models.CharField(_("Made to"), max_length=20, choices=EscalatedTo.choices)
    detail = models.CharField(
        _("Which team"),
        max_length=200,
        blank=True,
        validators=[refuse_identifiers],
        help_text=_("For example: Gwent MASH duty team. Not a person's name or number."),
    )
    #: The staff user's id (no relation: users live in the other database).
    recorded_by = models.PositiveIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-made_at"]

    def __str__(self) -> str:
        return _("Escalation to %(whom)s") % {"whom": self.get_made_to_display()}


class VisitPeriod(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"


#: ``SelfHelpVisits.nation`` of the row that counts every visitor, declared or not.
ALL_VISITORS = "all"


class SelfHelpVisits(models.Model):
    """Distinct visitors of the self-help site in one day or month: a count, nothing else.

    The row with ``nation="all"`` counts every distinct visitor; a row for a
    nation counts the visitors who said they live there (see ``counting``).
    """

    period = models.CharField(max_length=5, choices=VisitPeriod.choices)
    start = models.DateField(help_text="The day, or the first day of the month")
    nation = models.CharField(
        max_length=20, choices=[(ALL_VISITORS, "All visitors"), *Nation.choices]
    )
    visitors = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["period", "start", "nation"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "start", "nation"], name="selfhelp_visits_one_row_per_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.visitors} visitors ({self.nation}, {self.period} from {self.start})"


class SuppressedBecause(models.TextChoices):
    PRIMARY = "primary", "The count is 1 to 9"
    SECONDARY = "secondary", "It differs by 1 to 9 from a nested published cell"


class Release(models.Model):
    """A figure that has left the prevention side: the first release of a cell is final.

    Answering the same cell with a new value later (after late entries) would
    let the difference between the two answers reveal a handful of people, so
    a released figure is kept and given again. The true count stays here,
    inside the prevention database, for the differencing checks.
    """

    nation = models.CharField(max_length=20, choices=Nation.choices)
    period = models.CharField(max_length=5, choices=[("month", "Month"), ("year", "Year")])
    start = models.DateField()
    end = models.DateField()
    true_count = models.PositiveIntegerField()
    #: What left: a multiple of 5 (0 or at least 10), or null when suppressed.
    released = models.PositiveIntegerField(null=True)
    reason = models.CharField(max_length=10, choices=SuppressedBecause.choices, blank=True)
    released_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["nation", "period", "start"]
        constraints = [
            models.UniqueConstraint(
                fields=["nation", "period", "start"], name="release_one_per_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.nation} {self.period} {self.start}: {self.released}"

"""The casework models' field labels and hints, in the language of the page.

The models name their fields in English (``verbose_name``, ``help_text``). The
pages and forms look each one up in the translation catalogue when they show
it, so a Welsh-speaking user reads Welsh; a label missing from ``WORDS`` (a
field added later) is shown in English, never as a broken page. Listing the
words here puts them in the catalogue without changing the models or their
migrations.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext, gettext_noop

#: Every field label and hint of the casework models, for ``makemessages``.
WORDS = (
    gettext_noop("force"),
    gettext_noop("created"),
    gettext_noop("updated"),
    gettext_noop("reference"),
    gettext_noop("The force's own reference; leave blank to have one given."),
    gettext_noop("source"),
    gettext_noop("package reference"),
    gettext_noop("The sender's reference, e.g. the CEOP package or CyberTipline report number."),
    gettext_noop("received"),
    gettext_noop("summary"),
    gettext_noop("What the intelligence says, in brief."),
    gettext_noop("status"),
    gettext_noop("risk band"),
    gettext_noop("Set by the latest risk assessment."),
    gettext_noop("action due by"),
    gettext_noop("actioned on"),
    gettext_noop("When the referral was acted on (warrant executed, arrest or interview)."),
    gettext_noop("officer in the case"),
    gettext_noop("given names"),
    gettext_noop("family name"),
    gettext_noop("date of birth"),
    gettext_noop("year born"),
    gettext_noop("Filled from the date of birth when that is known."),
    gettext_noop("postcode district"),
    gettext_noop("The first half of the postcode, for example CF10."),
    gettext_noop("notes"),
    gettext_noop("name key"),
    gettext_noop("family name lower"),
    gettext_noop("given names lower"),
    gettext_noop("kind"),
    gettext_noop("value"),
    gettext_noop("service"),
    gettext_noop("For an online account: the service or platform."),
    gettext_noop("seen at"),
    gettext_noop("For an IP address: when it was used."),
    gettext_noop("normalised"),
    gettext_noop("address line 1"),
    gettext_noop("address line 2"),
    gettext_noop("town or city"),
    gettext_noop("postcode"),
    gettext_noop("current address"),
    gettext_noop("assessed on"),
    gettext_noop("assessed by"),
    gettext_noop("prior sexual offence"),
    gettext_noop("prior images"),
    gettext_noop("prior violence"),
    gettext_noop("lives with children"),
    gettext_noop("works with children"),
    gettext_noop("contact with children"),
    gettext_noop("online contact"),
    gettext_noop("distribution"),
    gettext_noop("severity"),
    gettext_noop("concealment"),
    gettext_noop("vulnerability"),
    gettext_noop("substance misuse"),
    gettext_noop("crisis"),
    gettext_noop("concern"),
    gettext_noop("rationale"),
    gettext_noop("Why, in a few words."),
    gettext_noop("The premises to be searched."),
    gettext_noop("applied for on"),
    gettext_noop("issued on"),
    gettext_noop("executed on"),
    gettext_noop("result"),
    gettext_noop("What the search found, for example devices seized or no trace."),
    gettext_noop("date"),
    gettext_noop("offences"),
    gettext_noop("Home Office offence codes, for example 86/10."),
    gettext_noop("after interview"),
    gettext_noop("bail until"),
    gettext_noop("exhibit reference"),
    gettext_noop("As on the exhibit label, for example JS/1."),
    gettext_noop("make"),
    gettext_noop("model"),
    gettext_noop("serial number"),
    gettext_noop("seized on"),
    gettext_noop("seized where"),
    gettext_noop("The address and room."),
    gettext_noop("seized by"),
    gettext_noop("Name and collar number."),
    gettext_noop("forensic status"),
    gettext_noop("when"),
    gettext_noop("handed over by"),
    gettext_noop("received by"),
    gettext_noop("where"),
    gettext_noop("reason"),
    gettext_noop("For example: to the DFU."),
    gettext_noop("children safeguarded"),
    gettext_noop("How many children were identified and safeguarded."),
    gettext_noop("referred to"),
    gettext_noop("date referred"),
    gettext_noop("outcome of the referral"),
    gettext_noop("What children's services or MASH did."),
    gettext_noop("age"),
    gettext_noop("In years; 0 for a baby."),
    gettext_noop("relationship to the subject"),
    gettext_noop("given to"),
    gettext_noop("What was given, by whom."),
    gettext_noop("sentence"),
    gettext_noop("When convicted."),
    gettext_noop("matched on"),
    gettext_noop("Which of our own identifiers matched."),
    gettext_noop("other force"),
    gettext_noop("their reference"),
    gettext_noop("their contact"),
    gettext_noop("key"),
    gettext_noop("acknowledged at"),
    gettext_noop("acknowledged by"),
)


#: Labels already looked up, by model, field and language: a table asks each column's
#: label for every row (a phone shows each row as a card), and the catalogues never
#: change while a process runs.
_LABELS: dict[tuple[str, str, str | None], str] = {}


def label(model, name: str) -> str:
    """The label of ``model``'s field ``name`` in the page's language, capitalised.

    ``model`` is a model or one of its records.
    """
    key = (model._meta.label_lower, name, get_language())
    found = _LABELS.get(key)
    if found is None:
        try:
            text = str(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            text = name.replace("_", " ")
        found = _LABELS[key] = capfirst(gettext(text))
    return found


def translate_form(form) -> None:
    """Give ``form``'s model fields their labels and hints in the page's language."""
    model = form._meta.model
    for name, field in form.fields.items():
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        english = capfirst(str(model_field.verbose_name))
        # A label the form chose itself is kept (it may be translated already).
        if str(field.label) == english:
            field.label = capfirst(gettext(str(model_field.verbose_name)))
            if getattr(field, "error_name", None) and field.label != english:
                field.error_name = field.label  # a date's messages name it in Welsh too
        if model_field.help_text and str(field.help_text) == str(model_field.help_text):
            field.help_text = gettext(str(model_field.help_text))

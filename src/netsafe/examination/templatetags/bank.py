"""The operation bank in templates: disagreements on a supervisor's "My work"
(``{% load bank %}{% bank_disagreements %}``) and what the bank says of a review item."""

from __future__ import annotations

from django import template

from netsafe.examination import access

register = template.Library()

#: Disagreements listed on "My work"; the rest are one link away.
SHOWN = 10


@register.inclusion_tag("examination/includes/my_work_disagreements.html", takes_context=True)
def bank_disagreements(context) -> dict:
    """The open disagreements the user's force is party to (supervisors only).

    Counted only when there are more than are shown: most supervisors' lists are short,
    and anyone else's is empty without asking (this is on every "My work" page).
    """
    found = access.disagreements_for(context["request"].user).open()
    if found.query.is_empty():
        return {"rows": [], "total": 0}
    rows = list(found.select_related("entry")[: SHOWN + 1])
    total = found.count() if len(rows) > SHOWN else len(rows)
    return {"rows": rows[:SHOWN], "total": total}


@register.inclusion_tag("examination/includes/elsewhere.html")
def bank_elsewhere(elsewhere: dict, image) -> dict:
    """What the operation bank says of ``image`` (from :func:`netsafe.examination.bank.elsewhere`):
    its category and how often graders elsewhere confirmed it; nothing of where."""
    return {"known": elsewhere.get(image.pk)}


@register.inclusion_tag("examination/includes/elsewhere_tag.html")
def bank_tag(elsewhere: dict, tile) -> dict:
    """The bank's word on a gallery tile, as a short tag (the larger view says it in full)."""
    return {"known": elsewhere.get(tile.pk)}

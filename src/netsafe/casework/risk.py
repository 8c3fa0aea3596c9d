"""Risk prioritisation: a structured questionnaire in four steps, modelled on KIRAT.

KIRAT (the Kent Internet Risk Assessment Tool, used by UK forces) asks about
previous behaviour, access to children, current facilitators and other
factors, and bands a subject so that the few who pose a risk of contact
abuse are acted on first. The questions and the rule below are ours, written
after its published structure; each band carries a time-to-action target.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

from .choices import ACTION_DAYS, RiskBand


@dataclass(frozen=True)
class Question:
    """A yes/no question, stored in the assessment's field of the same name."""

    field: str
    text: str
    hint: str = ""


@dataclass(frozen=True)
class Step:
    """One of the four steps of the questionnaire."""

    slug: str
    title: str
    questions: tuple[Question, ...]


STEPS: tuple[Step, ...] = (
    Step(
        "previous",
        _("Previous behaviour"),
        (
            Question(
                "prior_sexual_offence",
                _(
                    "Has the subject been convicted, cautioned or investigated for a sexual "
                    "offence?"
                ),
            ),
            Question(
                "prior_images",
                _("Has the subject come to notice for indecent images of children before?"),
            ),
            Question(
                "prior_violence",
                _("Has the subject a history of violence or domestic abuse?"),
            ),
        ),
    ),
    Step(
        "access",
        _("Access to children"),
        (
            Question(
                "lives_with_children",
                _("Does the subject live with children, or do children stay at the address?"),
            ),
            Question(
                "works_with_children",
                _("Does the subject's work or volunteering give access to children?"),
            ),
            Question(
                "contact_with_children",
                _("Has the subject other regular contact with children?"),
                _("For example through family, neighbours, clubs or a partner's children."),
            ),
        ),
    ),
    Step(
        "facilitators",
        _("Current facilitators"),
        (
            Question(
                "online_contact",
                _("Is there evidence of online contact with children?"),
                _("Chat with children, requests for images, grooming or arranging to meet."),
            ),
            Question(
                "distribution",
                _("Is the subject making, sharing or distributing images?"),
            ),
            Question(
                "severity",
                _("Does the intelligence show category A images or a large collection?"),
            ),
            Question(
                "concealment",
                _("Does the subject use encryption, anonymising services or hidden storage?"),
            ),
        ),
    ),
    Step(
        "other",
        _("Other factors"),
        (
            Question(
                "vulnerability",
                _("Is the subject at risk of suicide or self-harm, or otherwise vulnerable?"),
            ),
            Question("substance_misuse", _("Is there misuse of alcohol or drugs?")),
            Question(
                "crisis",
                _("Has the subject had a recent crisis?"),
                _("For example a relationship breakdown, loss of a job or bereavement."),
            ),
            Question(
                "concern",
                _("Has anyone raised a concern about the subject and children?"),
                _("For example a teacher, health visitor, social worker or family member."),
            ),
        ),
    ),
)

#: Every question's field name, in order.
QUESTION_FIELDS: tuple[str, ...] = tuple(q.field for s in STEPS for q in s.questions)

_ACCESS = ("lives_with_children", "works_with_children", "contact_with_children")


def band(answers: Mapping[str, bool]) -> RiskBand:
    """The risk band for a set of yes/no answers (missing answers count as no).

    - very high: online contact with children, or access to children together
      with previous sexual offending or making/sharing images;
    - high: access to children, previous sexual offending, making/sharing
      images, or a concern raised about the subject and children;
    - medium: any other factor answered yes;
    - low: nothing of concern.
    """
    unknown = set(answers) - set(QUESTION_FIELDS)
    if unknown:
        raise ValueError(f"unknown risk question(s): {', '.join(sorted(unknown))}")
    yes = {name for name, value in answers.items() if value}
    access = bool(yes.intersection(_ACCESS))
    if "online_contact" in yes or (access and yes & {"prior_sexual_offence", "distribution"}):
        return RiskBand.VERY_HIGH
    if access or yes & {"prior_sexual_offence", "distribution", "concern"}:
        return RiskBand.HIGH
    if yes:
        return RiskBand.MEDIUM
    return RiskBand.LOW


def action_due(risk: str, assessed: date) -> date:
    """The date by which action is due for a band assessed on ``assessed``."""
    return assessed + timedelta(days=ACTION_DAYS[RiskBand(risk)])

"""The four-step risk questionnaire and its banding rule."""

from __future__ import annotations

from datetime import date

import pytest

from netsafe.casework import risk
from netsafe.casework.choices import RiskBand
from netsafe.casework.models import RiskAssessment


def test_four_steps_in_kirat_order_and_every_question_is_a_stored_answer():
    assert [s.title for s in risk.STEPS] == [
        "Previous behaviour",
        "Access to children",
        "Current facilitators",
        "Other factors",
    ]
    fields = {f.name for f in RiskAssessment._meta.get_fields()}
    for name in risk.QUESTION_FIELDS:
        assert name in fields
        assert RiskAssessment._meta.get_field(name).get_internal_type() == "BooleanField"
    for step in risk.STEPS:
        for question in step.questions:
            assert question.text.endswith("?"), question.text


@pytest.mark.parametrize(
    ("yes", "expected"),
    [
        ((), RiskBand.LOW),
        (("prior_images",), RiskBand.MEDIUM),
        (("severity", "concealment", "crisis"), RiskBand.MEDIUM),
        (("prior_sexual_offence",), RiskBand.HIGH),
        (("distribution",), RiskBand.HIGH),
        (("concern",), RiskBand.HIGH),
        (("lives_with_children",), RiskBand.HIGH),
        (("contact_with_children", "severity"), RiskBand.HIGH),
        (("online_contact",), RiskBand.VERY_HIGH),
        (("works_with_children", "prior_sexual_offence"), RiskBand.VERY_HIGH),
        (("lives_with_children", "distribution"), RiskBand.VERY_HIGH),
    ],
)
def test_bands(yes, expected):
    answers = dict.fromkeys(risk.QUESTION_FIELDS, False) | dict.fromkeys(yes, True)
    assert risk.band(answers) == expected


@pytest.mark.parametrize(
    ("band", "days"),
    [(RiskBand.VERY_HIGH, 1), (RiskBand.HIGH, 7), (RiskBand.MEDIUM, 14), (RiskBand.LOW, 30)],
)
def test_action_is_due_within_the_bands_target(band, days):
    assert (risk.action_due(band, date(2017, 12, 31)) - date(2017, 12, 31)).days == days


def test_an_unknown_question_is_an_error_not_a_silent_no():
    with pytest.raises(ValueError, match="unknown risk question"):
        risk.band({"owns_a_dog": True})

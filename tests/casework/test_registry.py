"""The registry keeps its promise: a new kind of record is its model and one entry.

The generic pages, forms and API take everything particular to a record type
from its :class:`~netsafe.casework.registry.RecordType` (form, serializer,
initial values, what a new record is given): a record type registered here,
with hooks of its own, gets them without a line elsewhere.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django import forms
from django.test import RequestFactory
from tests.casework import factories as cf
from tests.factories import make_user

from netsafe.accounts.roles import Role
from netsafe.casework import api, views
from netsafe.casework import models as m
from netsafe.casework.forms import RecordForm, form_class
from netsafe.casework.registry import RECORD_TYPES, RecordType
from netsafe.casework.serializers import RecordSerializer

pytestmark = pytest.mark.django_db

GENERIC = ("views.py", "forms.py", "api.py", "serializers.py", "urls.py", "nav.py")


class NoteForm(RecordForm):
    """A form of the throwaway record type's own."""

    def clean_notes(self):
        return self.cleaned_data["notes"].upper()


class NoteSerializer(RecordSerializer):
    """A serializer of the throwaway record type's own."""


def _prepared(record, user):
    record.notes = f"prepared for {user.username}"


THROWAWAY = RecordType(
    m.Signposting,
    "signposting-notes",
    fields=("ref", "warrant", "to", "date", "notes"),
    columns=("ref", "date"),
    form=NoteForm,
    serializer=NoteSerializer,
    initial=lambda user: {"notes": f"by {user.username}"},
    prepare=_prepared,
)


def test_a_record_type_brings_its_own_form_serializer_and_initial_values(rf: RequestFactory):
    officer = make_user("gw-officer", "gwent", Role.OFFICER)
    form = form_class(THROWAWAY)
    assert issubclass(form, NoteForm)
    assert list(form.base_fields) == list(THROWAWAY.fields)
    assert issubclass(api._serializer_for(THROWAWAY), NoteSerializer)

    request = rf.get("/casework/signposting-notes/new/")
    request.user = officer
    view = views.RecordCreateView(record_type=THROWAWAY)
    view.setup(request)
    view.object = None
    assert view.get_initial()["notes"] == "by gw-officer"
    made = view.get_form()
    assert isinstance(made, NoteForm)
    assert made.instance.notes == "prepared for gw-officer"
    assert made.instance.force_id == officer.force_id


def test_the_registered_hooks_are_the_ones_the_pages_use():
    by_model = {rt.model: rt for rt in RECORD_TYPES}
    assert by_model[m.Arrest].form.__name__ == "EncounterForm"
    assert by_model[m.VoluntaryInterview].serializer.__name__ == "EncounterSerializer"
    officer = make_user("dp-officer", "dyfed-powys", Role.OFFICER)
    assert by_model[m.Device].initial(officer) == {"seized_by": "dp-officer"}
    assessment = m.RiskAssessment(referral=cf.referral("dyfed-powys"))
    by_model[m.RiskAssessment].prepare(assessment, officer)
    assert assessment.assessed_by == officer


def test_the_generic_modules_name_no_record_type():
    # Were a view or the API to test `rt.model is m.Arrest` again, a new record type
    # would need a change there as well as its entry.
    names = {rt.model.__name__ for rt in RECORD_TYPES}
    package = Path(views.__file__).parent
    found = {}
    for filename in GENERIC:
        tree = ast.parse((package / filename).read_text(encoding="utf-8"))
        named = {
            node.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr in names
        } | {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id in names}
        if named:
            found[filename] = sorted(named)
    assert found == {}


def test_every_form_and_serializer_hook_is_of_the_right_kind():
    for rt in RECORD_TYPES:
        assert issubclass(rt.form, RecordForm), rt.name
        assert issubclass(rt.form, forms.ModelForm), rt.name
        assert issubclass(rt.serializer, RecordSerializer), rt.name

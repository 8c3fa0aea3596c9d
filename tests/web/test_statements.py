"""A :class:`~netsafe.web.rows.Statement` gives what its queryset gives, compiled once."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.db.models import F, Value
from django.test.utils import CaptureQueriesContext
from tests.casework import factories as cf

from netsafe.casework import models as m
from netsafe.casework.views import related_rows
from netsafe.web.rows import Statement

pytestmark = pytest.mark.django_db


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_rows_are_the_querysets_own_related_records_and_annotations_included():
    case = cf.case("south-wales")
    cf.subject("south-wales", referral_obj=case.referral, family_name="Bevan")
    cf.subject("gwent", family_name="Bevan")

    def build(force, name):
        return (
            m.Subject.objects.filter(force_id=force, family_name=name)
            .select_related("referral", "force")
            .annotate(shown=Value(1), born_on=F("date_of_birth"))
            .order_by("-id")
        )

    statement = Statement(build)
    force = case.subject.force_id
    for name in ("Pritchard", "Bevan", "Nobody"):
        ours, theirs = statement(force, name), list(build(force, name))
        assert [_fields(o) for o in ours] == [_fields(o) for o in theirs]
        assert [(o.shown, o.born_on) for o in ours] == [(o.shown, o.born_on) for o in theirs]
        with CaptureQueriesContext(connection) as asked:
            assert [(o.referral.ref, o.force.slug) for o in ours] == [
                (o.referral.ref, o.force.slug) for o in theirs
            ]
        assert not asked.captured_queries  # select_related came with the rows
    assert [o.family_name for o in statement(force, "Bevan")] == ["Bevan"]
    assert isinstance(statement(force, "Pritchard")[0].date_of_birth, date)  # as read


def test_the_query_is_built_and_compiled_once(settings):
    settings.NETSAFE_CHECK_STATEMENTS = False  # which builds it again on every call
    cf.subject("south-wales")
    built = []

    def build(force):
        built.append(force)
        return m.Subject.objects.filter(force_id=force)

    statement = Statement(build)
    for force in m.Force.objects.values_list("pk", flat=True):
        statement(force)
    assert len(built) == 1


@pytest.mark.parametrize(
    ("build", "problem"),
    [
        (lambda name: m.Subject.objects.filter(family_name__icontains=name), "changed"),
        (lambda pk: m.Subject.objects.filter(force_id=1), "parameters"),
        (lambda pk: m.Subject.objects.filter(pk=pk + 1), "parameters"),
        (lambda pk: m.Subject.objects.filter(pk=pk).values("pk"), "model instances"),
    ],
)
def test_an_argument_that_is_not_compared_as_it_is_is_refused(build, problem):
    with pytest.raises(TypeError, match=problem):
        Statement(build)(1)


def test_arguments_are_numbers_or_strings():
    with pytest.raises(TypeError, match="numbers or strings"):
        Statement(lambda day: m.Referral.objects.filter(received=day))(date(2017, 1, 1))


def test_a_queryset_that_can_have_no_rows_asks_nothing():
    statement = Statement(lambda pk: m.Subject.objects.none().filter(pk=pk))
    with CaptureQueriesContext(connection) as asked:
        assert statement(1) == []
    assert not asked.captured_queries


def test_under_the_check_a_queryset_that_reads_more_than_its_arguments_fails(settings):
    """The test suite runs every statement against its queryset's own SQL."""
    cf.subject("south-wales", family_name="Bevan")
    name = ["Bevan"]
    statement = Statement(
        lambda force: m.Subject.objects.filter(force_id=force, family_name=name[0])
    )
    force = m.Force.objects.get(slug="south-wales").pk
    assert settings.NETSAFE_CHECK_STATEMENTS
    assert len(statement(force)) == 1
    name[0] = "Pritchard"  # the statement still asks for Bevan: the check says so
    with pytest.raises(AssertionError, match="differs from its queryset"):
        statement(force)
    settings.NETSAFE_CHECK_STATEMENTS = False
    assert [s.family_name for s in statement(force)] == ["Bevan"]
    # A list of values is no single parameter: its shape follows the values.
    settings.NETSAFE_CHECK_STATEMENTS = True
    with pytest.raises(AssertionError, match="differs from its queryset"):
        Statement(lambda pk: m.Subject.objects.filter(pk__in=[pk, force]))(force)


def test_a_records_related_lists_are_its_managers_and_know_the_record():
    case = cf.case("south-wales")
    cf.create(m.Warrant, subject=case.subject, force=case.subject.force, address="2 Stryd Fawr")
    for accessor in ("warrants", "devices", "addresses", "outcomes"):
        model, rows = related_rows(case.subject, accessor)
        manager = getattr(case.subject, accessor)
        assert model is manager.model
        assert [_fields(r) for r in rows] == [_fields(r) for r in manager.all()[:100]]
        with CaptureQueriesContext(connection) as asked:
            assert all(r.subject is case.subject for r in rows)
        assert not asked.captured_queries
    assert len(related_rows(case.subject, "warrants")[1]) == 2


def test_keys_shape_the_query_and_each_is_compiled_once(settings):
    """A key (a day, every force or one) is compiled into the SQL once per value."""
    settings.NETSAFE_CHECK_STATEMENTS = False
    old = cf.referral("south-wales", received=date(2017, 1, 9))
    new = cf.referral("south-wales", received=date(2017, 3, 1))
    cf.referral("gwent", received=date(2017, 1, 9))
    built = []

    def build(scope, day, ref):
        built.append((scope, day))
        return m.Referral.objects.visible_in(scope).filter(received__lt=day).exclude(ref=ref)

    statement = Statement(build, keys=2)
    force = old.force_id
    assert statement(force, date(2017, 2, 1), "") == [old]
    assert statement(force, date(2017, 2, 1), old.ref) == []
    assert set(statement(force, date(2018, 1, 1), "")) == {old, new}
    assert len(statement("all", date(2017, 2, 1), "")) == 2  # every force's
    assert statement(None, date(2017, 2, 1), "") == []  # none
    assert len(built) == 4  # one for each key: the second call built nothing

"""The suite's own promises: a transactional test leaves the migrated reference rows."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.xdist_group("suite-isolation")


def test_a_transactional_test_runs(transactional_db):
    from netsafe.accounts.models import Force

    assert Force.objects.count() >= 4


def test_after_it_a_test_without_a_database_fixture_finds_the_four_forces(django_db_blocker):
    # pytest-django runs this one after the transactional test, which emptied every table.
    from netsafe.accounts.models import Force

    with django_db_blocker.unblock():
        assert sorted(Force.objects.values_list("slug", flat=True)) == [
            "dyfed-powys",
            "gwent",
            "north-wales",
            "south-wales",
        ]

"""Figures by device for the statistics dashboard."""

from __future__ import annotations

from datetime import date

import pytest
from tests.casework import factories as cf
from tests.factories import PASSWORD, make_user

from netsafe.accounts.roles import Role
from netsafe.casework import models as m
from netsafe.casework.choices import DeviceKind
from netsafe.examination import grading, jobs
from netsafe.examination.figures import device_figures, device_figures_by_force
from netsafe.examination.models import ReviewImage

pytestmark = pytest.mark.django_db


def test_device_figures_count_triaged_awaiting_matches_and_grades(store, exhibit, examiner):
    other = m.Device.objects.create(subject=cf.subject("gwent"), kind=DeviceKind.PHONE)
    clean = m.Device.objects.create(subject=exhibit.subject, kind=DeviceKind.STORAGE)
    for device, item in ((exhibit, "JS-1-laptop"), (clean, "JS-2-usb")):
        jobs.run(jobs.claim(jobs.queue(device, item, examiner).pk))
    grading.grade(ReviewImage.objects.get(path="DCIM/a.jpg"), "A", examiner)
    grading.grade(ReviewImage.objects.get(path="DCIM/holiday.jpg"), "C", examiner)

    south_wales = device_figures(exhibit.force)
    assert south_wales == {
        "devices": 2,
        "awaiting": 0,
        "triaged": 2,
        "with_matches": 1,
        "matched_by_category": {"A": 1, "B": 1, "C": 1},
        "confirmed_by_category": {"A": 1, "B": 0, "C": 1, "non-pertinent": 0},
    }
    everyone = device_figures()
    assert everyone["devices"] == 3
    assert everyone["awaiting"] == 1
    assert device_figures(other.force)["triaged"] == 0


def test_figures_as_at_a_date_and_by_force(store, exhibit, examiner):
    from datetime import timedelta

    from django.utils import timezone

    jobs.run(jobs.claim(jobs.queue(exhibit, "JS-1-laptop", examiner).pk))
    grading.grade(ReviewImage.objects.get(path="DCIM/a.jpg"), "A", examiner)
    today = timezone.localdate()
    before = device_figures(exhibit.force, today - timedelta(days=1))
    assert before["triaged"] == 0
    assert before["confirmed_by_category"]["A"] == 0
    now = device_figures(exhibit.force, today)
    assert now["triaged"] == 1
    assert now["confirmed_by_category"]["A"] == 1
    by_force = device_figures_by_force()
    assert by_force["south-wales"]["with_matches"] == 1
    assert by_force["gwent"]["devices"] == 0


@pytest.mark.django_db(databases=["default", "prevention"])
def test_the_statistics_dashboard_shows_triage_results(client, store, exhibit, examiner):
    jobs.run(jobs.claim(jobs.queue(exhibit, "JS-1-laptop", examiner).pk))
    grading.grade(ReviewImage.objects.get(path="DCIM/a.jpg"), "A", examiner)
    make_user("lead", None, Role.OPERATION_LEAD)
    assert client.login(username="lead", password=PASSWORD)

    page = client.get("/stats/", {"as_at": date.today().isoformat()})

    assert page.status_code == 200
    rows = page.context["triage_rows"]
    south_wales = next(r for r in rows if r["name"] == exhibit.force.name)
    assert south_wales["triaged"] == 1
    assert south_wales["with_matches"] == 1
    assert south_wales["matched"] == [1, 1, 1]
    assert south_wales["confirmed"] == [1, 0, 0, 0]
    assert page.context["triage_total"]["confirmed"] == [1, 0, 0, 0]
    assert 'data-table="triage"' in page.content.decode()

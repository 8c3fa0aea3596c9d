"""A table's cells read as Django's own filters would write them, in English and Welsh.

The cells are written directly (dates, labels and translations looked up once per
language) rather than through the date filter and ``format_html`` for each cell;
these tests hold them to what those would give.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime

import pytest
from django.template.defaultfilters import date as date_filter
from django.utils import timezone, translation
from django.utils.html import format_html
from tests.casework import factories as cf

from netsafe.casework import models as m
from netsafe.casework import vocabulary
from netsafe.casework.templatetags.casework import _text, choice_label, field_value, record_rows

DATES = [date(2017, 1, 5), date(2016, 11, 30), date(999, 6, 1), date(2018, 12, 31)]
LONDON = zoneinfo.ZoneInfo("Europe/London")
TIMES = [
    datetime(2017, 3, 26, 0, 59, tzinfo=zoneinfo.ZoneInfo("UTC")),  # the clocks go forward
    datetime(2017, 7, 4, 23, 30, tzinfo=zoneinfo.ZoneInfo("UTC")),  # a day later in London
    datetime(2016, 12, 1, 9, 5, tzinfo=LONDON),
]


@pytest.mark.parametrize("language", ["en-gb", "cy"])
def test_dates_and_times_read_as_the_date_filter_writes_them(language):
    with translation.override(language):
        for day in DATES:
            assert _text(day) == date_filter(day, "j M Y")
        for moment in TIMES:
            assert _text(moment) == date_filter(timezone.localtime(moment), "j M Y H:i")
        assert _text(True) == translation.gettext("Yes")
        assert _text(False) == translation.gettext("No")
    with translation.override("cy"):
        assert _text(date(2017, 1, 5)) == "5 Ion 2017"  # not English on a Welsh page


@pytest.mark.parametrize("language", ["en-gb", "cy"])
def test_choice_labels_follow_the_page_language(language):
    field = m.Referral._meta.get_field("status")
    with translation.override(language):
        assert choice_label(field, "open") == str(dict(field.flatchoices)["open"])
        assert choice_label(field, "no-such") == "no-such"
        assert choice_label(field, None) is None
    with translation.override("cy"):
        welsh = choice_label(field, "open")
    with translation.override("en-gb"):
        assert choice_label(field, "open") != welsh  # each language its own labels


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en-gb", "cy"])
def test_a_row_is_what_format_html_would_write_each_value_escaped_once(language):
    case = cf.case("south-wales", family_name="O'Brien <b>&", given_names="Siân")
    subject = case.subject
    columns = ("ref", "family_name", "given_names", "born", "postcode_district", "referral")
    with translation.override(language):
        # The columns are looked up once for all of a table's rows: two rows, each the same.
        rows = str(record_rows([subject, subject], m.Subject, columns, show_force=True))
        expected = [
            format_html(
                '<th scope="row" class="govuk-table__header">'
                '<a class="govuk-link" href="{}">{}</a></th>',
                subject.get_absolute_url(),
                field_value(subject, "ref"),
            )
        ]
        expected += [
            format_html(
                '<td class="govuk-table__cell" data-label="{}">{}</td>',
                vocabulary.label(m.Subject, column),
                field_value(subject, column),
            )
            for column in columns[1:]
        ]
        expected.append(
            format_html(
                '<td class="govuk-table__cell" data-label="{}">{}</td>',
                translation.gettext("Force"),
                subject.force.name,
            )
        )
    row = "\n      ".join(expected)
    assert rows == 2 * ('\n    <tr class="govuk-table__row">\n      ' + row + "\n    </tr>")
    assert "O&#x27;Brien &lt;b&gt;&amp;" in rows  # escaped once, never twice
    # The referral's column is a link to it, kept as a link (not escaped again).
    assert f'<a class="govuk-link" href="{case.referral.get_absolute_url()}">' in rows


@pytest.mark.django_db
def test_labels_are_in_the_language_of_each_page():
    with translation.override("cy"):
        welsh = vocabulary.label(m.Subject, "family_name")
    with translation.override("en-gb"):
        english = vocabulary.label(m.Subject, "family_name")
    assert english == "Family name"
    assert welsh != english
    subject = m.Subject(family_name="Jones")
    assert vocabulary.label(subject, "family_name") == english  # a record or its model


def _translations_asked(client, url: str, monkeypatch) -> int:
    """How many messages the page looks up in the catalogues (a second request)."""
    assert client.get(url).status_code == 200
    asked = []
    real = translation._trans.gettext

    def counting(message):
        asked.append(message)
        return real(message)

    with monkeypatch.context() as patch:
        patch.setattr(translation._trans, "gettext", counting)
        assert client.get(url).status_code == 200
    return len(asked)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en-gb", "cy"])
def test_a_list_looks_up_no_more_translations_for_more_rows(client, monkeypatch, language):
    """Each row asked the catalogues for every column's label, each date's month and
    each choice's label (some 200 look-ups on a page of 25 referrals, each walking
    Django's chain of catalogues); a page now asks each once per language."""
    from tests.factories import make_user

    from netsafe.accounts.roles import Role

    user = make_user("lister", "south-wales", Role.OFFICER, language=language)
    client.force_login(user)
    url = "/casework/referrals/"
    cf.referral("south-wales", package_ref="CEOP-1")
    few = _translations_asked(client, url, monkeypatch)
    for n in range(12):
        cf.referral("south-wales", package_ref=f"CEOP-{n + 2}")
    assert _translations_asked(client, url, monkeypatch) == few


@pytest.mark.django_db
def test_a_blank_filter_form_is_drawn_once_per_language_and_a_chosen_filter_each_time(
    client, monkeypatch
):
    """Drawing the filter form through its field templates was a fifth of a list's time;
    a form with no value chosen is the same on every page of every search."""
    from django.forms import Form
    from tests.factories import make_user

    from netsafe.accounts.roles import Role

    user = make_user("filterer", "south-wales", Role.OFFICER)
    client.force_login(user)
    url = "/casework/referrals/"
    drawn = []
    real = Form.render

    def counting(self, *args, **kwargs):
        drawn.append(type(self).__name__)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Form, "render", counting)
    first = client.get(url, {"q": "CEOP"}).content.decode()
    drawn.clear()
    for params in ({"q": "CEOP"}, {"q": "Jones", "page": "1"}):
        assert client.get(url, params).content.decode().count('name="risk"') == 1
    assert not drawn  # drawn once, shown again
    assert 'name="source"' in first
    # A value chosen is shown chosen: that form is drawn for the page.
    chosen = client.get(url, {"status": "closed"}).content.decode()
    assert drawn
    assert '<option value="closed" selected>' in chosen
    # And the next blank page does not show the last one's choice.
    assert '<option value="closed" selected>' not in client.get(url, {"q": "x"}).content.decode()
    # Each language its own form.
    user.language = "cy"
    user.save(update_fields=["language"])
    welsh = client.get(url, {"q": "CEOP"}).content.decode()
    assert welsh != first
    assert '<option value="" selected>Any</option>' in first
    assert '<option value="" selected>Any</option>' not in welsh

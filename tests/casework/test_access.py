"""Walk every URL pattern and API endpoint: another force's records are never read or changed.

The patterns are taken from the resolver, not listed by hand, so a new page
or endpoint is covered (or fails this test) as soon as it exists.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from tests.casework import factories as cf
from tests.factories import make_user

from netsafe.accounts.roles import Role
from netsafe.audit.models import AuditEntry
from netsafe.casework import models as m
from netsafe.casework.choices import IdentifierKind

pytestmark = pytest.mark.django_db

#: Namespaces whose every pattern is casework and must be covered here.
CASEWORK_NAMESPACES = {"casework", "api"}
SECRET_NAME = "Quartermaine"


def walk(resolver: URLResolver | None = None, namespace: str = ""):
    """(namespace, name, parameter names, callback) for every named URL pattern."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            for ns, name, params, callback in walk(entry, inner):
                yield ns, name, params | _params(entry), callback
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace, entry.name, _params(entry), entry.callback


def _params(entry) -> set[str]:
    pattern = entry.pattern
    if hasattr(pattern, "converters") and pattern.converters:
        return set(pattern.converters)
    regex = getattr(pattern, "_regex", None) or str(pattern)
    return set(re.compile(regex).groupindex) if "(?P<" in regex else set()


def model_of(callback):
    """The model a casework view or API viewset serves."""
    owner = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    initkwargs = getattr(callback, "view_initkwargs", None) or getattr(callback, "initkwargs", {})
    rt = initkwargs.get("record_type") or getattr(owner, "record_type", None)
    if rt is not None:
        return rt.model
    serializer = getattr(owner, "serializer_class", None)
    if serializer is not None:
        return serializer.Meta.model
    if callback.__name__ == "acknowledge_alert":
        return m.Alert
    for attr in ("model", "queryset"):
        value = getattr(owner, attr, None)
        if value is not None:
            return value if attr == "model" else value.model
    return None


@pytest.fixture
def theirs():
    """A whole Gwent case, with an alert raised for Gwent against a South Wales subject."""
    case = cf.case("gwent", given_names="Zebediah", family_name=SECRET_NAME, ref="GW/SUBJ/77")
    ours = cf.subject("south-wales", given_names="Other", family_name="Person")
    cf.identifier(ours, IdentifierKind.EMAIL, "alun.p@example.com")
    alert = m.Alert.objects.get(force__slug="gwent")
    records = {type(r): r for r in case.records()}
    for record in records.values():
        # References of their own, so that none is also one of South Wales's.
        if isinstance(record, m.CaseRecord) and not record.ref.startswith("GW/"):
            record.ref = f"GW/{record.ref}"
            record.save()
    records[m.Alert] = alert
    return records


@pytest.fixture
def sw_user():
    return make_user(
        "sw-all", "south-wales", Role.OFFICER, Role.SUPERVISOR, Role.EXAMINER, Role.SAFEGUARDING
    )


def _url(ns, name, params, pk):
    kwargs = {}
    for p in params:
        kwargs[p] = {"pk": pk, "format": "json", "step": 1}[p]
    return reverse(f"{ns}:{name}", kwargs=kwargs)


def _patterns():
    return [p for p in walk() if p[0] in CASEWORK_NAMESPACES]


def test_the_walk_finds_every_kind_of_page_and_endpoint():
    names = {f"{ns}:{name}" for ns, name, _, _ in _patterns()}
    for expected in (
        "casework:home",
        "casework:subject-detail",
        "casework:warrant-execute",
        "casework:device-status",
        "casework:alert-acknowledge",
        "api:subject-detail",
        "api:schema",
        "api:docs",
    ):
        assert expected in names
    assert len(names) > 80


def test_a_user_of_another_force_can_neither_read_nor_change_any_record(client, theirs, sw_user):
    client.force_login(sw_user)
    covered = set()
    for ns, name, params, callback in _patterns():
        if "pk" not in params:
            continue
        model = model_of(callback)
        assert model in theirs, f"{ns}:{name} serves {model}, which this test does not cover"
        target = theirs[model]
        url = _url(ns, name, params, target.pk)
        before = AuditEntry.objects.count()
        # 405: a POST-only action; the same answer for every pk, so it reveals nothing.
        assert client.get(url).status_code in (404, 405), url
        assert client.post(url, {"ref": "X", "executed": "2017-01-01"}).status_code in (404, 405), (
            url
        )
        if ns == "api":
            for method in (client.put, client.patch):
                response = method(url, {"ref": "X"}, content_type="application/json")
                # 405 (read-only endpoints) is the same for every pk: it reveals nothing.
                assert response.status_code in (404, 405), url
            assert client.delete(url).status_code in (404, 405), url
        covered.add(model)
        target.refresh_from_db()
        assert getattr(target, "ref", "") != "X"
        # Nothing was viewed or changed, so nothing was logged.
        assert AuditEntry.objects.count() == before, url
    assert covered == set(theirs)


def test_lists_searches_and_new_forms_show_nothing_of_another_force(client, theirs, sw_user):
    client.force_login(sw_user)
    for ns, name, params, _callback in _patterns():
        if "pk" in params or name in {"schema", "docs"}:
            continue
        url = _url(ns, name, params, None)
        for query in ("", "?q=Zebediah", "?q=GW/SUBJ/77", "?page=1"):
            response = client.get(url + query)
            assert response.status_code == 200, url
            assert SECRET_NAME.encode() not in response.content, url


def test_nothing_can_be_attached_to_another_forces_record(client, theirs, sw_user):
    """Every "new" form and endpoint, with every link it has, pointed at Gwent's records."""
    from netsafe.casework.registry import RECORD_TYPES

    client.force_login(sw_user)
    checked = 0
    for rt in RECORD_TYPES:
        if not rt.editable:
            continue  # a ledger has no "new" form (its pages are the device's, tested above)
        for parent in rt.parents:
            target = theirs[rt.model._meta.get_field(parent).related_model]
            page = reverse(f"casework:{rt.name}-create")
            # The link from a record's page is not found ...
            assert client.get(f"{page}?{parent}={target.pk}").status_code == 404, (rt.name, parent)
            # ... and neither the form nor the API accepts their record.
            before = rt.model.objects.count()
            response = client.post(page, {parent: getattr(target, "ref", target.pk)})
            assert response.status_code == 200, (rt.name, parent)
            assert parent in response.context["form"].errors, (rt.name, parent)
            response = client.post(
                reverse(f"api:{rt.name}-list"), {parent: target.pk}, content_type="application/json"
            )
            assert response.status_code == 400, (rt.name, parent)
            assert parent in response.json(), (rt.name, parent)
            assert rt.model.objects.count() == before
            checked += 1
    assert checked >= 15


def test_a_form_or_the_api_refuses_a_link_to_another_forces_record(client, theirs, sw_user):
    client.force_login(sw_user)
    their_subject = theirs[m.Subject]
    count = m.Warrant.objects.count()
    response = client.post(
        reverse("casework:warrant-create"),
        {"subject": their_subject.ref, "address": "1 Stryd", "applied": "2017-01-01"},
    )
    assert response.status_code == 200
    assert b"No record of your force has that reference" in response.content
    response = client.post(
        reverse("api:warrant-list"),
        {"subject": their_subject.pk, "address": "1 Stryd"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert m.Warrant.objects.count() == count


@pytest.mark.parametrize(
    "roles",
    [(Role.ANALYST,), (Role.ADMINISTRATOR,), (Role.CALL_HANDLER,), ()],
    ids=["analyst", "admin", "call-handler", "no-role"],
)
def test_users_without_casework_find_no_casework_page_or_endpoint(client, theirs, roles):
    force_slug = None if Role.CALL_HANDLER in roles or not roles else "gwent"
    user = make_user("no-casework", force_slug, *roles)
    client.force_login(user)
    for ns, name, params, callback in _patterns():
        if name in {"home", "schema", "docs", "api-root"}:
            continue
        pk = theirs[model_of(callback)].pk if "pk" in params else None
        url = _url(ns, name, params, pk)
        assert client.get(url).status_code in (404, 405), (roles, url)
        assert client.post(url, {}).status_code == 404, (roles, url)


def test_the_operation_lead_reads_every_force_and_changes_nothing(client, theirs):
    lead = make_user("lead", None, Role.OPERATION_LEAD)
    client.force_login(lead)
    subject = theirs[m.Subject]
    response = client.get(subject.get_absolute_url())
    assert response.status_code == 200
    assert SECRET_NAME.encode() in response.content
    assert client.get(reverse("api:subject-detail", args=[subject.pk])).status_code == 200
    # Every row of an operation-wide list names its force.
    listed = client.get(reverse("casework:subject-list")).content.decode()
    assert '<th scope="col" class="govuk-table__header">Force</th>' in listed
    assert "Gwent Police</td>" in listed
    assert "Gwent Police</td>" in client.get(reverse("casework:my-work")).content.decode()
    assert client.get(reverse("casework:subject-update", args=[subject.pk])).status_code == 404
    response = client.patch(
        reverse("api:subject-detail", args=[subject.pk]),
        {"notes": "x"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert client.get(reverse("casework:referral-create")).status_code == 404
    # Alerts are for the force's supervisors only.
    assert client.get(theirs[m.Alert].get_absolute_url()).status_code == 404

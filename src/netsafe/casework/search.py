"""One search across the casework: referrals, subjects, identifiers, warrants and devices.

An officer with a name, a reference, an e-mail address, a handle or an
exhibit label should not have to guess which list holds it. :func:`search`
asks each kind of record by the paths below (matched as every list matches
them, :func:`netsafe.casework.views.search_q`) among the records the user may
read, and the page (``/casework/search/``) and the API (``/api/search/``)
both show its answer, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.urls import reverse
from django.views.generic import TemplateView
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from netsafe.audit.bulk import record_shown

from . import access
from . import models as m
from .api import CaseworkAccess
from .registry import record_type
from .views import CaseworkMixin, search_keys

#: Most records of each kind a search shows (the lists' own search pages go further).
LIMIT = 50


@dataclass(frozen=True)
class Section:
    """One kind of record searched, and the paths its records are found by."""

    key: str
    title: str
    model: type
    paths: tuple[str, ...]


SECTIONS: tuple[Section, ...] = (
    Section(
        "referrals",
        "Referrals",
        m.Referral,
        # Identifiers of every kind on the referral: online accounts are held there.
        ("=ref", "=package_ref", "^subjects__family_name", "identifiers__normalised"),
    ),
    Section(
        "subjects",
        "Subjects",
        m.Subject,
        (*record_type(m.Subject).search, "referral__identifiers__normalised"),
    ),
    Section("identifiers", "Identifiers", m.Identifier, ("normalised",)),
    Section("warrants", "Warrants", m.Warrant, ("=ref", "^subject__family_name", "address")),
    Section(
        "devices",
        "Devices",
        m.Device,
        ("=ref", "=exhibit_ref", "=serial", "^subject__family_name"),
    ),
)


@dataclass(frozen=True)
class Hit:
    """A record found: what it is, how it is named and where its page is."""

    id: int
    ref: str
    label: str
    force: str
    url: str


def _hit(obj) -> Hit:
    if isinstance(obj, m.Identifier):
        owner = obj.subject or obj.referral
        return Hit(obj.pk, owner.ref, f"{obj} on {owner}", obj.force.slug, owner.get_absolute_url())
    label = str(obj)
    if isinstance(obj, m.Device) and obj.exhibit_ref:
        label = f"{obj} (exhibit {obj.exhibit_ref})"
    return Hit(obj.pk, obj.ref, label, obj.force.slug, obj.get_absolute_url())


def search(user, text: str) -> dict[str, list[Hit]]:
    """Records of every kind matching ``text`` that ``user`` may read, by section key."""
    text = text.strip()
    found: dict[str, list[Hit]] = {}
    if not text:
        return found
    for section in SECTIONS:
        visible = section.model.objects.visible_to(user)
        keys = search_keys(section.model, section.paths, text, user)
        related = ["force"]
        if section.model is m.Identifier:
            related += ["subject", "referral"]
        rows = visible.filter(pk__in=keys).select_related(*related).order_by("pk")[:LIMIT]
        found[section.key] = [_hit(obj) for obj in rows]
    return found


def audit_search(found: dict[str, list[Hit]], detail: str) -> None:
    """One audit entry for a search: the terms and every record shown, by type and id."""
    by_model = {s.key: s.model._meta.model_name for s in SECTIONS}
    hits = [(by_model[key], hit) for key, hits in found.items() for hit in hits]
    record_shown(
        None,
        [f"{model}:{hit.id}" for model, hit in hits],
        action="search",
        detail=detail[:200],
        forces=[hit.force for _model, hit in hits],
    )


def url() -> str:
    """The search page."""
    return reverse("casework:search")


class SearchView(CaseworkMixin, TemplateView):
    """``/casework/search/?q=``: every kind of record at once, force-scoped like every list."""

    template_name = "casework/search.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "").strip()[:200]
        found = search(self.request.user, query) if query else {}
        if query:
            audit_search(found, f"all: {query}")
        context.update(
            query=query,
            sections=[(s, found.get(s.key, [])) for s in SECTIONS] if query else [],
            total=sum(map(len, found.values())),
            show_force=access.reads_all_forces(self.request.user),
        )
        return context


class HitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ref = serializers.CharField()
    label = serializers.CharField()
    force = serializers.CharField()
    url = serializers.CharField()


class SearchAnswerSerializer(serializers.Serializer):
    q = serializers.CharField()
    results = serializers.DictField(
        child=serializers.ListField(child=HitSerializer()),
        help_text="By kind: referrals, subjects, identifiers, warrants, devices.",
    )


class SearchAPIView(APIView):
    """``/api/search/?q=``: the search page's answer, as JSON."""

    permission_classes = [CaseworkAccess]

    @extend_schema(
        summary="Search every kind of record",
        parameters=[OpenApiParameter("q", str, description="Reference, name, identifier, exhibit")],
        responses=SearchAnswerSerializer,
    )
    def get(self, request):
        query = request.query_params.get("q", "").strip()[:200]
        found = search(request.user, query) if query else {}
        if query:
            audit_search(found, f"api all: {query}")
        return Response(
            {
                "q": query,
                "results": {key: [asdict(hit) for hit in hits] for key, hits in found.items()},
            }
        )

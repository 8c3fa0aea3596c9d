"""The casework REST API under ``/api/``: the same records and the same access rules as the pages.

One :class:`~rest_framework.viewsets.ModelViewSet` per record type in the
registry. Reading goes through ``visible_to(user)``, changing through
``editable_by(user)``, so another force's record answers 404 here as on the
pages; links to other records accept only the user's own force's records.
Retrieving a subject is logged as a view, as on its page.
"""

from __future__ import annotations

from django.db import transaction
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import filters, mixins, permissions, serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from netsafe.audit import record
from netsafe.audit.bulk import record_shown

from . import access, services
from . import models as m
from .registry import RECORD_TYPES, RecordType
from .serializers import RecordSerializer
from .views import search_keys


class CaseworkAccess(permissions.BasePermission):
    """Casework users only; changes by users of a force only (else 404, as on the pages)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if not access.reads_casework(user):
            raise NotFound()
        if request.method not in permissions.SAFE_METHODS and not access.writes_casework(user):
            raise NotFound()
        return True


def _serializer_for(rt: RecordType) -> type[RecordSerializer]:
    base = rt.serializer
    hidden = {"normalised", "handle", "name_key"}
    fields = [f.name for f in rt.model._meta.concrete_fields if f.name not in hidden]
    read_only = [
        f.name
        for f in rt.model._meta.concrete_fields
        if not f.editable or f.name in {"created", "updated"}
    ]
    meta = type("Meta", (), {"model": rt.model, "fields": fields, "read_only_fields": read_only})
    return type(f"{rt.model.__name__}Serializer", (base,), {"Meta": meta})


class CaseworkSearch(filters.SearchFilter):
    """``?search=`` finds what the page's ``?q=`` finds: the same paths, matched the same way.

    DRF's own search filter read the registry's marks (``=ref``, ``^family_name``)
    its own way and compared identifiers as typed, so the pages and the API gave
    different answers from one configuration.
    """

    def filter_queryset(self, request, queryset, view):
        text = request.query_params.get(self.search_param, "").strip()
        rt = getattr(view, "record_type", None)
        if not text or rt is None or not rt.search:
            return queryset
        return queryset.filter(pk__in=search_keys(rt.model, rt.search, text, request.user))


class RecordViewSet(viewsets.ModelViewSet):
    """List, read, create and change one record type, under the access rules."""

    record_type: RecordType
    permission_classes = [CaseworkAccess]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    filter_backends = [DjangoFilterBackend, CaseworkSearch]

    @property
    def filterset_fields(self):
        return list(self.record_type.filters)

    @property
    def search_fields(self):
        return list(self.record_type.search)

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        rt = self.record_type
        terms = request.query_params.get(filters.SearchFilter.search_param, "").strip()
        if terms:
            action, detail = "search", f"api {rt.slug}: {terms}"
        else:
            action, detail = "list", f"api {rt.slug}: {request.query_params.urlencode()}"
        _record_page(rt.model, response, action, detail.rstrip(": "))
        return response

    def get_queryset(self):
        rt = self.record_type
        user = self.request.user
        objects = rt.model.objects
        if self.request.method in permissions.SAFE_METHODS:
            qs = objects.visible_to(user)
        else:
            qs = objects.editable_by(user)
        qs = qs.select_related("force", *rt.select_related)
        return qs.order_by("pk")

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        if self.record_type.log_views:
            record("view", instance)
        return Response(self.get_serializer(instance).data)

    def perform_create(self, serializer):
        with transaction.atomic():
            services.follow(serializer.save(force_id=self.request.user.force_id))

    def perform_update(self, serializer):
        with transaction.atomic():
            services.follow(serializer.save())


class AlertSerializer(serializers.ModelSerializer):
    """What an alert may say: the other force, its reference and contact."""

    other_force = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    force = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = m.Alert
        fields = [
            "id",
            "force",
            "subject",
            "referral",
            "matched_on",
            "other_force",
            "other_ref",
            "other_contact",
            "created",
            "acknowledged_at",
        ]
        read_only_fields = fields


def _record_page(model, response, action: str, detail: str) -> None:
    """One audit entry for an API list page: what was asked and the ids it returned."""
    data = response.data
    rows = data.get("results", []) if isinstance(data, dict) else data
    record_shown(
        model,
        [row["id"] for row in rows],
        action=action,
        detail=detail,
        forces=[row.get("force") or "" for row in rows],
    )


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Deconfliction alerts for supervisors of the receiving force."""

    serializer_class = AlertSerializer
    permission_classes = [CaseworkAccess]

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        detail = f"api alerts: {request.query_params.urlencode()}".rstrip(": ")
        _record_page(m.Alert, response, "list", detail)
        return response

    def get_queryset(self):
        return (
            m.Alert.objects.visible_to(self.request.user)
            .select_related("force", "other_force")
            .order_by("pk")
        )


def _viewset_for(rt: RecordType) -> type[RecordViewSet]:
    serializer = _serializer_for(rt)
    plural = rt.verbose_name_plural
    viewset = type(
        f"{rt.model.__name__}ViewSet",
        (RecordViewSet,),
        {
            "record_type": rt,
            "serializer_class": serializer,
            # A ledger (chain of custody) is read here, never written or changed: its
            # entries are added through its own pages, under its rules.
            "http_method_names": RecordViewSet.http_method_names
            if rt.editable
            else ["get", "head", "options"],
            "__doc__": f"{plural.capitalize()} of your force (all forces, read only, for the "
            "operation lead).",
        },
    )
    return extend_schema_view(
        list=extend_schema(summary=f"List {plural}"),
        retrieve=extend_schema(summary=f"One {rt.verbose_name}"),
        create=extend_schema(summary=f"New {rt.verbose_name}"),
        update=extend_schema(summary=f"Replace {rt.verbose_name}"),
        partial_update=extend_schema(summary=f"Change {rt.verbose_name}"),
    )(viewset)


class ApiRootView(DefaultRouter.APIRootView):
    """The list of endpoints, for the API's users only (404 for everyone else)."""

    permission_classes = [CaseworkAccess]


router = DefaultRouter()
router.APIRootView = ApiRootView
for _rt in RECORD_TYPES:
    router.register(_rt.slug, _viewset_for(_rt), basename=_rt.name)
router.register("alerts", AlertViewSet, basename="alert")

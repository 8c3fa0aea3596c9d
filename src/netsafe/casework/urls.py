"""Casework pages: home, "My work", alerts, and list/view/new/change of each record type."""

from __future__ import annotations

from django.urls import path

from . import assess, custody_views, search, views
from .registry import RECORD_TYPES

app_name = "casework"


def _record_urls():
    for rt in RECORD_TYPES:
        base = f"casework/{rt.slug}/"
        name = rt.name
        yield path(base, views.RecordListView.as_view(record_type=rt), name=f"{name}-list")
        yield path(
            f"{base}<int:pk>/",
            views.RecordDetailView.as_view(record_type=rt),
            name=f"{name}-detail",
        )
        if not rt.editable:
            continue  # a ledger: written through its own pages only
        yield path(
            f"{base}new/", views.RecordCreateView.as_view(record_type=rt), name=f"{name}-create"
        )
        yield path(
            f"{base}<int:pk>/edit/",
            views.RecordUpdateView.as_view(record_type=rt),
            name=f"{name}-update",
        )
        for action in rt.actions:
            if action.name:
                yield path(
                    f"{base}<int:pk>/{action.name}/",
                    views.RecordActionView.as_view(
                        record_type=rt, action_name=action.name, fields_override=action.fields
                    ),
                    name=f"{name}-{action.name}",
                )


urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("my-work/", views.MyWorkView.as_view(), name="my-work"),
    path("casework/search/", search.SearchView.as_view(), name="search"),
    path("casework/alerts/", views.AlertListView.as_view(), name="alert-list"),
    path("casework/alerts/<int:pk>/", views.AlertDetailView.as_view(), name="alert-detail"),
    path(
        "casework/alerts/<int:pk>/acknowledge/",
        views.acknowledge_alert,
        name="alert-acknowledge",
    ),
    path(
        "casework/referrals/<int:pk>/assess/check/",
        assess.CheckView.as_view(),
        name="referral-assess-check",
    ),
    path(
        "casework/referrals/<int:pk>/assess/<int:step>/",
        assess.StepView.as_view(),
        name="referral-assess",
    ),
    path(
        "casework/devices/<int:pk>/custody/seizure/",
        custody_views.CustodyView.as_view(mode="seizure"),
        name="device-custody-seizure",
    ),
    path(
        "casework/devices/<int:pk>/custody/hand-over/",
        custody_views.CustodyView.as_view(mode="handover"),
        name="device-custody-handover",
    ),
    path(
        "casework/devices/<int:pk>/custody/correct/",
        custody_views.CustodyView.as_view(mode="correct"),
        name="device-custody-correct",
    ),
    *_record_urls(),
]

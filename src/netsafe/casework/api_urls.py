"""``/api/``: the casework API, its OpenAPI schema and its documentation page."""

from __future__ import annotations

from django.templatetags.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .api import CaseworkAccess, router
from .custody_api import CorrectionAPIView, HandOverAPIView, SeizureAPIView
from .search import SearchAPIView


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from the self-hosted sidecar assets; its script is a separate file (CSP)."""

    template_name = "casework/api_docs.html"
    url_name = "api:schema"
    # The API's users only: the schema maps every record type and field, which the
    # charity's staff, analysts and administrators have no need to know (404 for them).
    permission_classes = [CaseworkAccess]

    @staticmethod
    def _swagger_ui_resource(filename):
        return static(f"drf_spectacular_sidecar/swagger-ui-dist/{filename}")

    @staticmethod
    def _swagger_ui_favicon():
        return static("netsafe/favicon.svg")


app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(permission_classes=[CaseworkAccess]), name="schema"),
    path("docs/", DocsView.as_view(), name="docs"),
    path("search/", SearchAPIView.as_view(), name="search"),
    # The chain of custody is added to, never changed: one entry per request.
    path(
        "devices/<int:pk>/custody/seizure/",
        SeizureAPIView.as_view(),
        name="device-custody-seizure",
    ),
    path(
        "devices/<int:pk>/custody/hand-over/",
        HandOverAPIView.as_view(),
        name="device-custody-handover",
    ),
    path(
        "devices/<int:pk>/custody/correct/",
        CorrectionAPIView.as_view(),
        name="device-custody-correct",
    ),
    path("", include(router.urls)),
]

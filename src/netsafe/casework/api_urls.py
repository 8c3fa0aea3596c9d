"""``/api/``: the casework API, its OpenAPI schema and its documentation page."""

from __future__ import annotations

from django.templatetags.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated

from .api import router
from .search import SearchAPIView


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from the self-hosted sidecar assets; its script is a separate file (CSP)."""

    template_name = "casework/api_docs.html"
    url_name = "api:schema"
    permission_classes = [IsAuthenticated]

    @staticmethod
    def _swagger_ui_resource(filename):
        return static(f"drf_spectacular_sidecar/swagger-ui-dist/{filename}")

    @staticmethod
    def _swagger_ui_favicon():
        return static("netsafe/favicon.svg")


app_name = "api"

urlpatterns = [
    path(
        "schema/", SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]), name="schema"
    ),
    path("docs/", DocsView.as_view(), name="docs"),
    path("search/", SearchAPIView.as_view(), name="search"),
    path("", include(router.urls)),
]

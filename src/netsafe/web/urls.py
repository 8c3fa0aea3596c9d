"""The URL map: each area of the domain brings its own ``urls`` module."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("accounts/", include("netsafe.accounts.urls")),
    path("audit/", include("netsafe.audit.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("netsafe.casework.api_urls")),
    path("stats/", include("netsafe.stats.urls")),
    path("returns/", include("netsafe.returns.urls")),
    path("examination/", include("netsafe.examination.urls")),
    path("", include("netsafe.casework.urls")),
    path("prevention/", include("netsafe.prevention.urls")),
    # Browsers ask for /favicon.ico where a page names no icon (the scan's own report).
    path(
        "favicon.ico",
        RedirectView.as_view(url=static("netsafe/favicon.svg"), permanent=True),
        name="favicon",
    ),
]
# The public self-help site in English at /help/ and in Welsh at /cy/help/ (netsafe.web.language).
urlpatterns += i18n_patterns(
    path("help/", include("netsafe.prevention.public_urls")),
    prefix_default_language=False,
)

handler400 = "netsafe.web.errors.bad_request"

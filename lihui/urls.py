from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from lihui.api.api import api
from lihui.ops import views as ops_views

urlpatterns = [
    path("", include("lihui.meetings.urls")),
    path("series/", include("lihui.regime.urls")),
    path("", include("lihui.people.urls")),
    path("", include("lihui.notices.urls")),
    path("", include("lihui.surveys.urls")),
    path("", include("lihui.insights.urls")),
    path("", include("lihui.audit.urls")),
    path("", include("lihui.reports.urls")),
    path("", include("lihui.actions.urls")),
    path("", include("lihui.minutes.urls")),
    path("search/", include("lihui.search.urls")),
    path("directory/", include("lihui.directory.urls")),
    path("sso/", include("lihui.directory.sso_urls")),  # OpenID Connect and SAML single sign-on (allauth)
    path("", include("lihui.notify.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("healthz", ops_views.healthz, name="healthz"),
    # Pages name the icon in <head>; this is for clients that ask for the old default path.
    path("favicon.ico", RedirectView.as_view(url=static("lihui/favicon.svg"), permanent=True), name="favicon"),
]
handler400 = "lihui.ops.views.bad_request"  # under /api/v1/: the API's error shape, 413 when too large
handler500 = "lihui.ops.views.server_error"  # a database that is away: 503 with Retry-After

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from stepcare import health, views
from stepcare.api.api import api

handler403 = "stepcare.views.permission_denied"
handler404 = "stepcare.views.page_not_found"

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("account/", include("stepcare.accounts.urls")),
    path("patients/", include("stepcare.patients.urls")),
    path("audit/", include("stepcare.audit.urls")),
    path("referrals/", include("stepcare.referrals.urls")),
    path("refer/", include("stepcare.referrals.public_urls")),
    path("diary/", include("stepcare.scheduling.urls")),
    path("calendar/", include("stepcare.scheduling.feed_urls")),
    path("records/", include("stepcare.records.urls")),
    path("outcomes/", include("stepcare.outcomes.urls")),
    path("supervision/", include("stepcare.supervision.urls")),
    path("reports/", include("stepcare.reporting.urls")),
    path("reports/exports/", include("stepcare.exports.urls")),
    path("health/ready/", health.ready, name="health_ready"),
    path("account/tokens/", include("stepcare.api.token_urls")),
    path("api/v1/", api.urls),
]
if settings.ADMIN_ENABLED:  # off by default in production (docs/adr/0011-security-headers-and-admin.md)
    urlpatterns.append(path("admin/", admin.site.urls))

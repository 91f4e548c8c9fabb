from django.contrib import admin
from django.urls import include, path

from stepcare import views

handler403 = "stepcare.views.permission_denied"
handler404 = "stepcare.views.page_not_found"

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("account/", include("stepcare.accounts.urls")),
    path("patients/", include("stepcare.patients.urls")),
    path("audit/", include("stepcare.audit.urls")),
    path("admin/", admin.site.urls),
]

from django.urls import path

from stepcare.patients import views

app_name = "patients"
urlpatterns = [
    path("", views.search, name="search"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/risk/", views.raise_risk, name="raise_risk"),
    path("<int:pk>/risk/<int:flag_pk>/clear/", views.clear_risk, name="clear_risk"),
    path("<int:pk>/break-glass/", views.break_glass, name="break_glass"),
    path("<int:pk>/access-log/", views.access_log, name="access_log"),
    path("<int:pk>/death/", views.record_death, name="record_death"),
    path("<int:pk>/employment-support/", views.employment_support, name="employment_support"),
]

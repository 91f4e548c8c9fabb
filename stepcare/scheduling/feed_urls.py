"""The private calendar address, outside sign-in and MFA (see PUBLIC_PREFIXES)."""

from django.urls import path

from stepcare.scheduling import views

app_name = "calendar"
urlpatterns = [path("<str:token>.ics", views.calendar_feed, name="feed")]

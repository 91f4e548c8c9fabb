from django.urls import path

from stepcare.api import views

app_name = "tokens"
urlpatterns = [
    path("", views.tokens, name="list"),
]

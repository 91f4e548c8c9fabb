from django.urls import path

from stepcare.reporting import views

app_name = "reporting"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("referrals/", views.referrals, name="referrals"),
    path("equity/", views.equity_view, name="equity"),
]

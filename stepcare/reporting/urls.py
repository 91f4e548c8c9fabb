from django.urls import path

from stepcare.reporting import views

app_name = "reporting"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("referrals/", views.referrals, name="referrals"),
    path("equity/", views.equity_view, name="equity"),
    path("figures.csv", views.figures_csv, name="figures_csv"),
    path("recovery-by-month.csv", views.trend_csv, name="trend_csv"),
    path("ending-reasons.csv", views.endings_csv, name="endings_csv"),
    path("equity/outcomes.csv", views.equity_csv, name="equity_csv"),
    path("referrals.csv", views.referrals_csv, name="referrals_csv"),
    path("attendance.csv", views.attendance_csv, name="attendance_csv"),
    path("sessions-per-course.csv", views.sessions_csv, name="sessions_csv"),
    path("every-table/", views.service_report, name="service_report"),
]

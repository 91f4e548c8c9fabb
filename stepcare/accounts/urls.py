from django.urls import path

from stepcare.accounts import staff_views, views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", views.sign_out, name="logout"),
    path("mfa/verify/", views.mfa_verify, name="mfa_verify"),
    path("mfa/enrol/", views.mfa_enrol, name="mfa_enrol"),
    path("password/", staff_views.change_password, name="change_password"),
    path("staff/", staff_views.staff_list, name="staff_list"),
    path("staff/new/", staff_views.staff_new, name="staff_new"),
    path("staff/<int:pk>/", staff_views.staff_detail, name="staff_detail"),
    path(
        "staff/<int:pk>/roles/<int:membership_pk>/end/",
        staff_views.staff_end_membership,
        name="staff_end_membership",
    ),
    path("staff/<int:pk>/reset-mfa/", staff_views.staff_reset_mfa, name="staff_reset_mfa"),
    path("staff/<int:pk>/active/", staff_views.staff_set_active, name="staff_set_active"),
    path("teams/new/", staff_views.team_new, name="team_new"),
]

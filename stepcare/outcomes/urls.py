from django.urls import path

from stepcare.outcomes import views

app_name = "outcomes"

urlpatterns = [
    path("caseload/", views.my_caseload, name="caseload"),
    path("contact/<int:appointment_pk>/", views.contact_measures, name="contact"),
    path("contact/<int:appointment_pk>/entered-in-error/", views.entered_in_error, name="entered_in_error"),
    path("score/", views.score_preview, name="score"),
    path("referral/<int:referral_pk>/", views.referral_progress, name="progress"),
    path("waiting/", views.waiting_list_monitor, name="waiting"),
    path("waiting/<int:referral_pk>/", views.waiting_check, name="waiting_check"),
    path("supervision/", views.supervisee_list, name="supervisees"),
    path("supervision/<int:clinician_pk>/", views.supervision_pack, name="supervision_pack"),
]

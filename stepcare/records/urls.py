from django.urls import path

from stepcare.records import consultation_views, views

app_name = "records"
urlpatterns = [
    path("drafts/", views.drafts, name="drafts"),
    path("consultations/", consultation_views.consultations, name="consultations"),
    path(
        "consultations/<int:consultation_pk>/addendum/",
        consultation_views.consultation_addendum,
        name="consultation_addendum",
    ),
    path("patients/<int:pk>/", views.record, name="record"),
    path("patients/<int:pk>/new/<slug:kind>/", views.new, name="new"),
    path("patients/<int:pk>/consent/", views.consent, name="consent"),
    path(
        "patients/<int:pk>/consent/<int:consent_pk>/withdraw/",
        views.withdraw_consent,
        name="withdraw_consent",
    ),
    path("patients/<int:pk>/people/", views.add_person, name="add_person"),
    path("patients/<int:pk>/goals/", views.goals, name="goals"),
    path("patients/<int:pk>/goals/<int:goal_pk>/rate/", views.rate_goal, name="rate_goal"),
    path("patients/<int:pk>/subject-access/", views.subject_access, name="subject_access"),
    path("appointments/<int:appointment_pk>/note/", views.appointment_note, name="appointment_note"),
    path("<slug:kind>/<int:doc_pk>/", views.document, name="document"),
    path("<slug:kind>/<int:doc_pk>/edit/", views.edit, name="edit"),
    path("<slug:kind>/<int:doc_pk>/sign/", views.sign, name="sign"),
    path("<slug:kind>/<int:doc_pk>/addendum/", views.addendum, name="addendum"),
    path("<slug:kind>/<int:doc_pk>/dispatch/", views.dispatch, name="dispatch"),
    path("<slug:kind>/<int:doc_pk>/pdf/", views.pdf, name="pdf"),
]

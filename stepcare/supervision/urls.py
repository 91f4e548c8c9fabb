from django.urls import path

from stepcare.supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.supervision_list, name="list"),
    path("supervisee/<int:clinician_pk>/caseload/", views.supervisee_caseload, name="supervisee_caseload"),
    path("supervisee/<int:clinician_pk>/record/", views.record_new, name="record_new"),
    path("records/<int:supervision_pk>/", views.supervision_record, name="record"),
    path("actions/<int:action_pk>/done/", views.action_done, name="action_done"),
    path("supervisee/<int:clinician_pk>/awaiting/", views.awaiting, name="awaiting"),
    path("discussions/<int:discussion_pk>/actions/", views.discussion_actions, name="discussion_actions"),
    path("discussions/<int:discussion_pk>/correct/", views.correct, name="correct"),
    path("countersign/<slug:kind>/<int:doc_pk>/", views.countersign, name="countersign"),
    path("mdt/", views.meetings, name="meetings"),
    path("mdt/new/", views.meeting_new, name="meeting_new"),
    path("mdt/<int:meeting_pk>/", views.meeting, name="meeting"),
    path("mdt/<int:meeting_pk>/agenda/", views.agenda, name="agenda"),
    path("mdt/<int:meeting_pk>/decision/<int:discussion_pk>/", views.decision, name="decision"),
    path("portfolio/", views.portfolio, name="portfolio"),
    path("portfolio/pdf/", views.portfolio_pdf, name="portfolio_pdf"),
    path("portfolio/csv/", views.portfolio_csv, name="portfolio_csv"),
]

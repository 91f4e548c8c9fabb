from django.urls import path

from stepcare.referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/", views.new, name="new"),
    path("import/", views.import_csv, name="import"),
    path("waiting-list/", views.waiting_list, name="waiting_list"),
    path("directory/", views.directory, name="directory"),
    path("patient/<int:pk>/", views.patient_referrals, name="patient_referrals"),
    path("<int:referral_pk>/", views.detail, name="detail"),
    path("<int:referral_pk>/identity/", views.identity, name="identity"),
    path("<int:referral_pk>/screen/", views.screen, name="screen"),
    path("<int:referral_pk>/assessment/", views.assessment, name="assessment"),
    path("<int:referral_pk>/decision/", views.decide, name="decide"),
    path("<int:referral_pk>/problem/", views.problem, name="problem"),
    path("<int:referral_pk>/pause/", views.pause, name="pause"),
    path("<int:referral_pk>/resume/", views.resume, name="resume"),
    path("<int:referral_pk>/allocate/", views.allocate, name="allocate"),
    path("<int:referral_pk>/step/", views.step, name="step"),
    path("<int:referral_pk>/signpost/", views.signpost, name="signpost"),
    path("<int:referral_pk>/letters/<int:onward_pk>/", views.letter, name="letter"),
    path("<int:referral_pk>/end/", views.end, name="end"),
    path("<int:referral_pk>/reopen/", views.reopen, name="reopen"),
    path("<int:referral_pk>/entered-in-error/", views.entered_in_error, name="entered_in_error"),
]

from django.urls import path

from stepcare.exports import views

app_name = "exports"

urlpatterns = [
    path("dataset/", views.dataset, name="dataset"),
    path("<int:job_pk>/", views.job, name="job"),
    path("<int:job_pk>/download/", views.download, name="download"),
    path("<int:job_pk>/again/", views.run_again, name="run_again"),
]

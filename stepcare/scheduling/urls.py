from django.urls import path

from stepcare.scheduling import views

app_name = "scheduling"
urlpatterns = [
    path("", views.my_week, name="my_week"),
    path("clinician/<int:clinician_pk>/", views.clinician_diary, name="clinician_diary"),
    path("team/<int:team_pk>/", views.team_diary, name="team_diary"),
    path("room/<int:room_pk>/", views.room_diary, name="room_diary"),
    path("patient/<int:pk>/", views.patient_appointments, name="patient_appointments"),
    path("patient/<int:pk>/book/", views.book, name="book"),
    path("appointment/<int:appointment_pk>/", views.appointment_detail, name="appointment"),
    path("appointment/<int:appointment_pk>/move/", views.move, name="move"),
    path("appointment/<int:appointment_pk>/cancel/", views.cancel, name="cancel"),
    path("appointment/<int:appointment_pk>/attendance/", views.attendance, name="attendance"),
    path("appointment/<int:appointment_pk>/rebook/", views.rebook, name="rebook"),
    path("appointment/<int:appointment_pk>/follow-up/", views.follow_up, name="follow_up"),
    path("calendar-feed/", views.calendar_settings, name="calendar_settings"),
]

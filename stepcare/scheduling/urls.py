from django.urls import path

from stepcare.scheduling import views

app_name = "scheduling"
urlpatterns = [
    path("", views.my_week, name="my_week"),
    path("my-day/", views.my_day, name="my_day"),
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
    path("groups/", views.group_list, name="groups"),
    path("groups/new/", views.group_new, name="group_new"),
    path("groups/<int:group_pk>/", views.group_detail, name="group"),
    path("groups/<int:group_pk>/members/add/", views.group_add_member, name="group_add_member"),
    path(
        "groups/<int:group_pk>/members/<int:member_pk>/remove/",
        views.group_remove_member,
        name="group_remove_member",
    ),
    path(
        "groups/<int:group_pk>/sessions/<int:appointment_pk>/attendance/",
        views.group_attendance,
        name="group_attendance",
    ),
    path("working-pattern/", views.my_availability, name="my_availability"),
    path("working-pattern/<int:clinician_pk>/", views.availability, name="availability"),
    path("working-pattern/<int:clinician_pk>/leave/", views.add_leave, name="add_leave"),
    path(
        "working-pattern/<int:clinician_pk>/leave/<int:away_pk>/withdraw/",
        views.withdraw_leave,
        name="withdraw_leave",
    ),
]

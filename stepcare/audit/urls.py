from django.urls import path

from stepcare.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.search, name="search"),
    path("break-glass/", views.break_glass_list, name="break_glass_list"),
    path("break-glass/<int:pk>/review/", views.review_break_glass, name="review_break_glass"),
]

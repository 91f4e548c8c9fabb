"""Public addresses that services link to from their websites. Keep them stable."""

from django.urls import path

from stepcare.referrals import public_views

app_name = "refer"
urlpatterns = [
    path("", public_views.self_referral, name="self"),
    path("professional/", public_views.professional_referral, name="professional"),
    path("thank-you/", public_views.thanks, name="thanks"),
]

"""A helpline's referral API, under /helplines/<slug>/api/v1/referrals (for programs: the
survivor's Reclaim sends, withdraws and reads openings; reclaim.referrals is its client)."""

from django.urls import path

from reclaim.web.console import referral_views

app_name = "referrals"
urlpatterns = [
    path("", referral_views.receive, name="receive"),
    path("/<str:referral_id>/withdraw", referral_views.withdraw, name="withdraw"),
    path("/<str:referral_id>/openings", referral_views.openings, name="openings"),
]

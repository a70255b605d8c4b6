"""A helpline's referral API, under /helplines/<slug>/api/v1/referrals (for programs: the
survivor's Reclaim sends, withdraws and reads openings; reclaim.referrals is its client)."""

from django.urls import path

from reclaim.web.console import referral_views

app_name = "referrals"
urlpatterns = [
    path("referrals", referral_views.receive, name="receive"),
    path("referrals/<str:referral_id>/withdraw", referral_views.withdraw, name="withdraw"),
    path("referrals/<str:referral_id>/openings", referral_views.openings, name="openings"),
]

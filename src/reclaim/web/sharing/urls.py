from django.urls import path

from reclaim.web.sharing import views

app_name = "sharing"
urlpatterns = [
    path("", views.shared, name="shared"),
    path("ask/", views.ask, name="ask"),
    path("<slug:referral_id>/", views.detail, name="detail"),
    path("<slug:referral_id>/send/", views.send, name="send"),
    path("<slug:referral_id>/file/", views.download, name="file"),
    path("<slug:referral_id>/openings/", views.openings, name="openings"),
    path("<slug:referral_id>/stop/", views.stop, name="stop"),
]

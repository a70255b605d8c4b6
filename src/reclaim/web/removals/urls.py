from django.urls import path

from reclaim.web.removals import views

app_name = "removals"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("new/", views.start, name="start"),
    path("new/write/", views.compose, name="compose"),
    path("<slug:request_id>/", views.detail, name="detail"),
    path("<slug:request_id>/edit/", views.edit, name="edit"),
    path("<slug:request_id>/withdraw/", views.withdraw, name="withdraw"),
    path("<slug:request_id>/record/", views.record, name="record"),
    path("<slug:request_id>/send/", views.send, name="send"),
    path("<slug:request_id>/host/", views.find_host, name="find_host"),
    path("<slug:request_id>/recipient/", views.recipient, name="recipient"),
    path("<slug:request_id>/print/", views.printable, name="print"),
    path("<slug:request_id>/text/", views.text, name="text"),
]

"""The protection pages, under the language prefix: /en/protect/..."""

from django.urls import path

from reclaim.web.protection import views

app_name = "protection"
urlpatterns = [
    path("", views.start, name="start"),
    path("hash/", views.hash_images, name="hash"),
    path("keep/", views.keep_in_locker, name="keep"),
    path("case/", views.case, name="case"),
    path("case/view/", views.case_view, name="case_view"),
    path("case/close/", views.case_close, name="case_close"),
]

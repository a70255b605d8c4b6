"""The console's addresses, under /console/ (outside the language prefix: staff pages)."""

from django.urls import path

from reclaim.web.console import batch_views, views

app_name = "console"
urlpatterns = [
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("", views.queue_page, name="queue"),
    path("cases/new/", views.new_case, name="new-case"),
    path("cases/<str:number>/", views.case_page, name="case"),
    path("cases/<str:number>/assign/", views.assign, name="assign"),
    path("cases/<str:number>/addresses/<int:address>/claim/", views.claim, name="claim"),
    path("cases/<str:number>/addresses/<int:address>/release/", views.release, name="release"),
    path("staff/", views.staff_page, name="staff"),
    *(
        path(f"staff/<int:member>/{what}/", views.member_action, {"what": what}, name=what)
        for what in ("roles", "deactivate", "device", "confirm")
    ),
    path("settings/", views.settings_page, name="settings"),
    *batch_views.urlpatterns,  # batches and notifications
]

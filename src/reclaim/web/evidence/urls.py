from django.urls import path

from reclaim.web.evidence import views

app_name = "evidence"
urlpatterns = [
    path("", views.home, name="home"),
    path("set-up/", views.set_up, name="set_up"),
    path("recovery-code/", views.recovery_code, name="recovery_code"),
    path("unlock/", views.unlock, name="unlock"),
    path("recover/", views.recover, name="recover"),
    path("lock/", views.lock, name="lock"),
    path("stay/", views.stay, name="stay"),
    path("case/", views.overview, name="overview"),
    path("case/keep-arrived/", views.keep_arrived, name="keep_arrived"),
    path("case/not-linked/", views.unlinked, name="unlinked"),
    path("incidents/new/", views.incident_new, name="incident_new"),
    path("incidents/<slug:incident_id>/", views.incident, name="incident"),
    path("incidents/<slug:incident_id>/correct/", views.incident_edit, name="incident_edit"),
    path("evidence/upload/", views.upload, name="upload"),
    path("evidence/message/", views.message_new, name="message_new"),
    path("evidence/capture/", views.capture_new, name="capture_new"),
    path("captures/<uuid:task_id>/dismiss/", views.task_dismiss, name="task_dismiss"),
    path("items/<slug:item_id>/", views.item, name="item"),
    path("items/<slug:item_id>/link/", views.item_link, name="item_link"),
    path("items/<slug:item_id>/file/", views.item_file, name="item_file"),
    path("items/<slug:item_id>/delete/", views.item_delete, name="item_delete"),
    path("export/", views.export, name="export"),
]

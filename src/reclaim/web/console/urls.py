"""The console's addresses, under /console/ (no language prefix: the language is a cookie)."""

from django.urls import path

from reclaim.web.console import (
    batch_views,
    caseviews,
    enrol_views,
    key_views,
    referral_views,
    statviews,
    views,
)

app_name = "console"
urlpatterns = [
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("language/", views.choose_language, name="language"),
    path("password/", views.password_page, name="password"),
    # Enrolment by invitation (enrol_views) and security keys (key_views): no case data.
    path("invitation/<str:token>/", enrol_views.invitation, name="invitation"),
    path("enrol/", enrol_views.enrol, name="enrol"),
    path("sign-in/key/", key_views.sign_in_options, name="sign-in-key"),
    path("sign-in/key/verify/", key_views.sign_in_verify, name="sign-in-key-verify"),
    path("account/", key_views.account_page, name="account"),
    path("account/keys/options/", key_views.key_options, name="key-options"),
    path("account/keys/", key_views.key_add, name="key-add"),
    path("account/keys/<int:key>/remove/", key_views.key_remove, name="key-remove"),
    path("", views.queue_page, name="queue"),
    path("cases/new/", views.new_case, name="new-case"),
    path("cases/<str:number>/", views.case_page, name="case"),
    path("cases/<str:number>/assign/", views.assign, name="assign"),
    path("cases/<str:number>/addresses/<int:address>/claim/", views.claim, name="claim"),
    path("cases/<str:number>/addresses/<int:address>/release/", views.release, name="release"),
    # Case work (caseviews): notes, tasks, timeline, closing, deletion, the audit log.
    path("cases/<str:number>/notes/", caseviews.notes_page, name="notes"),
    path("cases/<str:number>/tasks/", caseviews.tasks_page, name="tasks"),
    path("cases/<str:number>/timeline/", caseviews.timeline_page, name="timeline"),
    path("cases/<str:number>/close/", caseviews.close_page, name="close"),
    path("cases/<str:number>/delete/", caseviews.delete_page, name="delete"),
    path("cases/<str:number>/facts/", caseviews.facts_page, name="case-facts"),
    path("audit/", caseviews.audit_page, name="audit"),
    path("audit/export/", caseviews.audit_export, name="audit-export"),
    path("audit/verify/", caseviews.audit_verify, name="audit-verify"),
    # Statistics for funders and regulators (statviews): no personal data.
    path("statistics/", statviews.statistics_page, name="statistics"),
    path("statistics/export/", statviews.statistics_export, name="statistics-export"),
    path("staff/", views.staff_page, name="staff"),
    *(
        path(f"staff/<int:member>/{what}/", views.member_action, {"what": what}, name=what)
        for what in ("roles", "deactivate", "invite")
    ),
    path("settings/", views.settings_page, name="settings"),
    # Referrals: a file carried by other means, what a survivor shared, its pictures.
    path("referrals/import/", referral_views.import_file, name="referral-import"),
    path("cases/<str:number>/shared/", referral_views.shared_page, name="referral-shared"),
    path(
        "cases/<str:number>/shared/<str:item>/picture/",
        referral_views.picture,
        name="referral-picture",
    ),
    path(
        "cases/<str:number>/shared/<str:item>/reveal/",
        referral_views.reveal,
        name="referral-reveal",
    ),
    *batch_views.urlpatterns,  # batches and notifications
]

"""URLs: the support site under a language prefix (/en/, /ar/...), the exit outside it."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from reclaim.web.safety import views as safety

urlpatterns = [
    path("exit/", safety.leave, name="exit"),
    path("api/v1/", include("reclaim.web.protection.urls")),
    path("admin/", admin.site.urls),
    # Each helpline's address: its referral API (reclaim.web.console.referral_views).
    path("helplines/<slug:slug>/api/v1/", include("reclaim.web.console.referral_urls")),
    # A helpline's console: staff pages; 404 outside service mode. No language prefix: each
    # staff member chooses a language once and keeps it (reclaim.web.console.views).
    path("console/", include("reclaim.web.console.urls")),
    *i18n_patterns(
        path("locker/requests/", include("reclaim.web.removals.urls")),
        path("locker/helplines/", include("reclaim.web.sharing.urls")),
        path("protect/", include("reclaim.web.protection.page_urls")),
        path("locker/", include("reclaim.web.evidence.urls")),
        path("", include("reclaim.web.support.urls")),
    ),
]

# Every error page in the page's language with the exit button (reclaim.web.safety.errors).
handler400 = "reclaim.web.safety.errors.bad_request"
handler403 = "reclaim.web.safety.errors.permission_denied"
handler404 = "reclaim.web.safety.errors.page_not_found"
handler500 = "reclaim.web.safety.errors.server_error"

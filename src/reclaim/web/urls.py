"""URLs: the support site under a language prefix (/en/, /ar/...), the exit outside it."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

from reclaim.web.safety import views as safety

urlpatterns = [
    path("exit/", safety.leave, name="exit"),
    *i18n_patterns(
        path("locker/requests/", include("reclaim.web.removals.urls")),
        path("locker/", include("reclaim.web.evidence.urls")),
        path("", include("reclaim.web.support.urls")),
    ),
]

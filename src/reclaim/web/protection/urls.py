"""The platform API under /api/v1/ (no language prefix: it is for programs)."""

from django.urls import path

from reclaim.web.protection import api

app_name = "api"
urlpatterns = [
    path("openapi.json", api.openapi, name="openapi"),
    path("bank", api.bank_feed, name="bank"),
    path("match", api.match, name="match"),
    path("feedback", api.feedback, name="feedback"),
    path("cases", api.cases, name="cases"),
    path("cases/status", api.case_status, name="case_status"),
    path("cases/add", api.case_add, name="case_add"),
    path("cases/withdraw", api.case_withdraw, name="case_withdraw"),
]

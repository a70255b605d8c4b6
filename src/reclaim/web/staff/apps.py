from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps  # the module: one AppConfig found here


class StaffConfig(AppConfig):
    """Staff sign-in with a second factor, and the command that enrols it."""

    default = True  # the app itself; StaffAdminConfig below is named in INSTALLED_APPS
    name = "reclaim.web.staff"
    label = "staff"


class StaffAdminConfig(admin_apps.AdminConfig):
    """Django's admin, served by a site that asks staff for their second factor."""

    default = False
    default_site = "reclaim.web.staff.sites.StaffAdminSite"

from django.urls import path

from reclaim.web.support import views

app_name = "support"
urlpatterns = [
    path("", views.start, name="start"),
    path("start/age/", views.age, name="age"),
    path("plan/<slug:slug>/", views.plan, name="plan"),
    path("guides/", views.guides, name="guides"),
    path("guides/<slug:slug>/", views.guide, name="guide"),
    path("exercises/<slug:slug>/", views.exercise, name="exercise"),
    path("walkthrough/<slug:slug>/", views.walkthrough, name="walkthrough"),
    path("walkthrough/<slug:slug>/<int:step>/", views.walkthrough, name="walkthrough_step"),
    path("helplines/", views.helplines, name="helplines"),
    path("hashing/", views.hasher, name="hasher"),
    path("helplines/<slug:country>/", views.helplines_country, name="helplines_country"),
]

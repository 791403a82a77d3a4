from django.urls import path

from accounts.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.index, name="index"),
    path("layouts/", views.layouts, name="layouts"),
    path("templates/<str:kind>.<str:fmt>", views.template, name="template"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/progress/", views.job_progress, name="job_progress"),
    path("jobs/<int:pk>/import/", views.job_commit, name="job_commit"),
    path("jobs/<int:pk>/errors.csv", views.job_errors, name="job_errors"),
]

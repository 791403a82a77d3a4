"""The director's pages, mounted at /portfolio/ (namespace "portfolio")."""

from django.urls import path

from scoring import portfolio_views as views

app_name = "portfolio"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/<slug:name>.csv", views.export, name="export"),
    path("workbench/", views.workbench_page, name="workbench"),
    path("workbench/preview/", views.weights_preview, name="preview"),
    path("workbench/weights/", views.weights_save, name="weights_save"),
    path("workbench/accounts/<int:pk>/designate/", views.designate, name="designate"),
]

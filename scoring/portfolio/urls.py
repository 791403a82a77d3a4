"""The director's pages, mounted at /portfolio/ (namespace "portfolio"), and the scores list,
which KAMs read too (for the accounts they serve)."""

from django.urls import path

from scoring.portfolio import views
from scoring.score_views import score_list
from scoring.whitespace_views import portfolio_white_space_page

app_name = "portfolio"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/<slug:name>.csv", views.export, name="export"),
    path("scores/", score_list, name="scores"),
    path("white-space/", portfolio_white_space_page, name="white_space"),
    path("workbench/", views.workbench_page, name="workbench"),
    path("health-settings/", views.warning_settings, name="warning_settings"),
    path("workbench/preview/", views.weights_preview, name="preview"),
    path("workbench/weights/", views.weights_save, name="weights_save"),
    path("workbench/anchors/", views.anchors, name="anchors"),
    path("workbench/accounts/<int:pk>/designate/", views.designate, name="designate"),
]

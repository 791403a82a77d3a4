from django.urls import path

from scoring import views
from scoring.export_views import portfolio_export
from scoring.rating_views import rate
from scoring.whitespace_views import white_space

app_name = "scoring"

urlpatterns = [
    path("runs/", views.run_list, name="runs"),
    path("runs/start/", views.run_start, name="run_start"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
]

# Scoring's pages in other apps' namespaces (kam/urls.py joins them): rating an account in the
# account workspace, and the portfolio download beside the import templates.
account_urlpatterns = [
    path("<int:pk>/ratings/", rate, name="rate"),
    path("<int:pk>/white-space/", white_space, name="white_space"),
]
import_urlpatterns = [path("portfolio.<str:fmt>", portfolio_export, name="portfolio_export")]

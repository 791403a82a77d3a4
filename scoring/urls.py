from django.urls import path

from scoring import views
from scoring.export_views import portfolio_export
from scoring.pack import views as pack_views
from scoring.rating_views import rate
from scoring.whitespace_views import white_space

app_name = "scoring"

urlpatterns = [
    path("runs/", views.run_list, name="runs"),
    path("runs/start/", views.run_start, name="run_start"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
    path("packs/", pack_views.pack_exports, name="pack_exports"),
    path("packs/start/", pack_views.pack_export_start, name="pack_export_start"),
    path("packs/<int:pk>/", pack_views.pack_export_detail, name="pack_export"),
    path("packs/<int:pk>/progress/", pack_views.pack_export_progress, name="pack_export_progress"),
    path("packs/<int:pk>/download/", pack_views.pack_export_download, name="pack_export_download"),
]

# Scoring's pages in other apps' namespaces (kam/urls.py joins them): rating an account in the
# account workspace, the white-space map, the portfolio download beside the import templates,
# and a plan's review pack beside the plan.
account_urlpatterns = [
    path("<int:pk>/ratings/", rate, name="rate"),
    path("<int:pk>/white-space/", white_space, name="white_space"),
]
import_urlpatterns = [path("portfolio.<str:fmt>", portfolio_export, name="portfolio_export")]
plan_urlpatterns = [path("<int:pk>/pack.<str:fmt>", pack_views.review_pack, name="review_pack")]

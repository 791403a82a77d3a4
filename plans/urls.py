from django.urls import path

from plans import views
from plans.views.plans import commitment_propose, commitment_withdraw

app_name = "plans"

urlpatterns = [
    path("actions/", views.action_list, name="actions"),
    path("commitments/", views.board, name="board"),
    path("commitments/export.csv", views.board_export, name="board_export"),
    path(
        "commitments/export.xlsx",
        views.board_export,
        {"fmt": "xlsx"},
        name="board_export_xlsx",
    ),
    path("commitments/<int:pk>/", views.commitment_detail, name="commitment_detail"),
    path("commitments/<int:pk>/row/", views.commitment_row, name="commitment_row"),
    path(
        "commitments/<int:pk>/measurements/new/",
        views.measurement_create,
        name="measurement_create",
    ),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    # Account plans
    path("new/<int:account_pk>/", views.plan_create, name="plan_create"),
    path("<int:pk>/", views.plan_detail, name="plan_detail"),
    path("<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("<int:pk>/print/", views.plan_print, name="plan_print"),
    path("<int:pk>/sections/<slug:kind>/", views.section_save, name="section_save"),
    path("<int:pk>/submit/", views.plan_step, {"step": "submit"}, name="plan_submit"),
    path("<int:pk>/approve/", views.plan_step, {"step": "approve"}, name="plan_approve"),
    path("<int:pk>/archive/", views.plan_step, {"step": "archive"}, name="plan_archive"),
    path("<int:pk>/send-back/", views.plan_return, name="plan_return"),
    path("<int:pk>/next-period/", views.plan_next_period, name="plan_next_period"),
    path("<int:pk>/commitments/new/", commitment_propose, name="plan_commitment_propose"),
    path("commitments/<int:pk>/withdraw/", commitment_withdraw, name="commitment_withdraw"),
    path("<int:pk>/versions/", views.plan_versions, name="plan_versions"),
    path("<int:pk>/versions/new/", views.plan_version_save, name="plan_version_save"),
    path("<int:pk>/versions/compare/", views.plan_compare, name="plan_compare"),
    path(
        "<int:pk>/objectives/new/",
        views.item_create,
        {"kind": "objectives"},
        name="objective_create",
    ),
    path(
        "objectives/<int:pk>/edit/", views.item_edit, {"kind": "objectives"}, name="objective_edit"
    ),
    path(
        "objectives/<int:pk>/delete/",
        views.item_delete,
        {"kind": "objectives"},
        name="objective_delete",
    ),
    path(
        "<int:pk>/solutions/new/", views.item_create, {"kind": "solutions"}, name="solution_create"
    ),
    path("solutions/<int:pk>/edit/", views.item_edit, {"kind": "solutions"}, name="solution_edit"),
    path(
        "solutions/<int:pk>/delete/",
        views.item_delete,
        {"kind": "solutions"},
        name="solution_delete",
    ),
    path("<int:pk>/actions/new/", views.item_create, {"kind": "actions"}, name="action_create"),
    path("actions/<int:pk>/edit/", views.item_edit, {"kind": "actions"}, name="action_edit"),
    path("actions/<int:pk>/delete/", views.item_delete, {"kind": "actions"}, name="action_delete"),
]

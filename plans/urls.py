from django.urls import path

from plans.views import actions, commitments, items, opportunities, queue, sharing
from plans.views import plans as plans_views
from plans.views.plans import commitment_propose, commitment_withdraw

app_name = "plans"

urlpatterns = [
    path("", queue.plan_list, name="list"),
    path("actions/", actions.action_list, name="actions"),
    path("actions/mine/", actions.my_actions, name="my_actions"),
    path("actions/<int:pk>/done/", actions.action_done, name="action_done"),
    path("actions/<int:pk>/progress/", actions.action_progress, name="action_progress"),
    path("commitments/", commitments.board, name="board"),
    path("commitments/export.csv", commitments.board_export, name="board_export"),
    path(
        "commitments/export.xlsx",
        commitments.board_export,
        {"fmt": "xlsx"},
        name="board_export_xlsx",
    ),
    path("commitments/<int:pk>/", commitments.commitment_detail, name="commitment_detail"),
    path("commitments/<int:pk>/row/", commitments.commitment_row, name="commitment_row"),
    path(
        "commitments/<int:pk>/measurements/new/",
        commitments.measurement_create,
        name="measurement_create",
    ),
    path("notifications/", commitments.notifications, name="notifications"),
    path("notifications/<int:pk>/read/", commitments.notification_read, name="notification_read"),
    path(
        "notifications/read-all/", commitments.notifications_read_all, name="notifications_read_all"
    ),
    # Account plans
    path("new/<int:account_pk>/", plans_views.plan_create, name="plan_create"),
    path("<int:pk>/", plans_views.plan_detail, name="plan_detail"),
    path("<int:pk>/edit/", plans_views.plan_edit, name="plan_edit"),
    path("<int:pk>/print/", plans_views.plan_print, name="plan_print"),
    path("<int:pk>/sections/<slug:kind>/", plans_views.section_save, name="section_save"),
    path("<int:pk>/submit/", plans_views.plan_submit, name="plan_submit"),
    path("<int:pk>/approve/", plans_views.plan_decide, {"step": "approve"}, name="plan_approve"),
    path("<int:pk>/send-back/", plans_views.plan_decide, {"step": "send_back"}, name="plan_return"),
    path("<int:pk>/archive/", plans_views.plan_decide, {"step": "archive"}, name="plan_archive"),
    path("<int:pk>/restore/", plans_views.plan_decide, {"step": "restore"}, name="plan_restore"),
    path("<int:pk>/next-period/", plans_views.plan_next_period, name="plan_next_period"),
    path("<int:pk>/commitments/new/", commitment_propose, name="plan_commitment_propose"),
    path("commitments/<int:pk>/withdraw/", commitment_withdraw, name="commitment_withdraw"),
    path("<int:pk>/shares/", sharing.plan_shares, name="plan_shares"),
    path("shares/<int:pk>/revoke/", sharing.plan_share_revoke, name="plan_share_revoke"),
    path("<int:pk>/versions/", plans_views.plan_versions, name="plan_versions"),
    path("<int:pk>/versions/new/", plans_views.plan_version_save, name="plan_version_save"),
    path("<int:pk>/versions/compare/", plans_views.plan_compare, name="plan_compare"),
    path(
        "<int:pk>/objectives/new/",
        items.item_create,
        {"kind": "objectives"},
        name="objective_create",
    ),
    path(
        "objectives/<int:pk>/edit/", items.item_edit, {"kind": "objectives"}, name="objective_edit"
    ),
    path(
        "objectives/<int:pk>/delete/",
        items.item_delete,
        {"kind": "objectives"},
        name="objective_delete",
    ),
    path(
        "<int:pk>/solutions/new/", items.item_create, {"kind": "solutions"}, name="solution_create"
    ),
    path("solutions/<int:pk>/edit/", items.item_edit, {"kind": "solutions"}, name="solution_edit"),
    path(
        "solutions/<int:pk>/delete/",
        items.item_delete,
        {"kind": "solutions"},
        name="solution_delete",
    ),
    path("<int:pk>/actions/new/", items.item_create, {"kind": "actions"}, name="action_create"),
    path("actions/<int:pk>/edit/", items.item_edit, {"kind": "actions"}, name="action_edit"),
    path(
        "<int:pk>/opportunities/new/",
        opportunities.opportunity_create,
        name="opportunity_create",
    ),
    path("opportunities/<int:pk>/edit/", opportunities.opportunity_edit, name="opportunity_edit"),
    path("actions/<int:pk>/delete/", items.item_delete, {"kind": "actions"}, name="action_delete"),
]

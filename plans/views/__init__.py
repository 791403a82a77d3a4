"""Pages of the plans app: service commitments in `commitments`, account plans in `plans`, the
actions list in `actions`.

All are re-exported here, so `from plans import views` and the URLconf keep one namespace."""

from plans.views.actions import action_list
from plans.views.commitments import (
    board,
    board_export,
    commitment_detail,
    commitment_row,
    measurement_create,
    notification_read,
    notifications,
    notifications_read_all,
)
from plans.views.items import item_create, item_delete, item_edit
from plans.views.plans import (
    plan_compare,
    plan_create,
    plan_detail,
    plan_edit,
    plan_next_period,
    plan_print,
    plan_return,
    plan_step,
    plan_version_save,
    plan_versions,
    section_save,
)

__all__ = [
    "action_list",
    "board",
    "board_export",
    "commitment_detail",
    "commitment_row",
    "item_create",
    "item_delete",
    "item_edit",
    "measurement_create",
    "notification_read",
    "notifications",
    "notifications_read_all",
    "plan_compare",
    "plan_create",
    "plan_detail",
    "plan_edit",
    "plan_next_period",
    "plan_print",
    "plan_return",
    "plan_step",
    "plan_version_save",
    "plan_versions",
    "section_save",
]

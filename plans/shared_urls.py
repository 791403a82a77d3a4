"""`/shared/`: the plan as the customer sees it through a personal link (plans.shared_views)."""

from django.urls import path

from plans import shared_views

app_name = "shared"

urlpatterns = [
    path("<str:token>/", shared_views.shared_plan, name="page"),
    path("<str:token>/actions/<int:action_pk>/", shared_views.shared_respond, name="respond"),
]

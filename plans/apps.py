from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = "Plans and commitments"

    def ready(self) -> None:
        from kam.history import add_account_entries, track
        from plans.history import COMMITMENT, PLAN, version_entries

        track(PLAN, COMMITMENT)
        add_account_entries(version_entries)

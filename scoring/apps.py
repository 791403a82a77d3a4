from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = "Scoring"

    def ready(self) -> None:
        from kam.history import add_account_entries, track
        from kam.imports.kinds import register
        from scoring.history import COST_RATE, CRITERION, rating_entries
        from scoring.imports import KINDS

        register(*KINDS)
        track(COST_RATE, CRITERION)
        add_account_entries(rating_entries)

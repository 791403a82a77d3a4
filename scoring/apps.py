from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = "Scoring"

    def ready(self) -> None:
        from kam.imports.kinds import register
        from scoring.imports import KINDS

        register(*KINDS)

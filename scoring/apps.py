from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = "Scoring"

    def ready(self) -> None:
        from accounts import runs
        from accounts.selectors.accounts import add_page_section
        from kam.history import add_account_entries, track
        from kam.imports.kinds import register
        from scoring import account_page
        from scoring.history import (
            COST_RATE,
            CRITERION,
            HEALTH_COMPONENT,
            SPEND_ESTIMATE,
            WARNING_SETTINGS,
            rating_entries,
        )
        from scoring.imports import KINDS
        from scoring.selectors import account_score, current_run

        register(*KINDS)
        track(COST_RATE, CRITERION, HEALTH_COMPONENT, WARNING_SETTINGS, SPEND_ESTIMATE)
        add_account_entries(rating_entries)
        runs.plug(current_run=current_run, account_score=account_score)
        add_page_section(account_page.load_section)

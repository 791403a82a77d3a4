from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = "Plans and commitments"

    def ready(self) -> None:
        from accounts.selectors.accounts import add_page_section
        from accounts.views import add_page_forms
        from kam.history import add_account_entries, track
        from plans import account_page
        from plans.history import (
            ACTION,
            COMMITMENT,
            OPPORTUNITY,
            PLAN,
            share_entries,
            version_entries,
        )

        track(PLAN, ACTION, COMMITMENT, OPPORTUNITY)
        add_account_entries(version_entries)
        add_account_entries(share_entries)
        add_page_section(account_page.load_section)
        add_page_forms(account_page.page_forms)

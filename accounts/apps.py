from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts.imports.kinds import KINDS
        from accounts.selectors.history import ACCOUNT, CONTACT
        from kam.history import track
        from kam.imports.kinds import register

        register(*KINDS)
        track(ACCOUNT, CONTACT)

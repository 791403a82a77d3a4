from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts.imports.kinds import KINDS
        from kam.imports.kinds import register

        register(*KINDS)

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "binhdan.accounts"
    label = "accounts"
    verbose_name = "Người dùng và phân quyền"

    def ready(self) -> None:
        # The audit's signal receivers (an authenticator removed) are connected by importing it.
        from binhdan.accounts import audit  # noqa: F401

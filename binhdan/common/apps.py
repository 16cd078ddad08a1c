from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "binhdan.common"
    label = "common"
    verbose_name = "Dùng chung"

    def ready(self) -> None:
        from binhdan.common import lookups  # noqa: F401  (registers `__among` on every field)

from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "binhdan.indicators"
    label = "indicators"
    verbose_name = "Chỉ tiêu và bảng số liệu"

    def ready(self) -> None:
        from binhdan.indicators.rollup import refresh_households
        from binhdan.registry.recording import register_listener

        # Every registry write that changes what is counted refreshes the rollups in its transaction.
        register_listener(refresh_households)

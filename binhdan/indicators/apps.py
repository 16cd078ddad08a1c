from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "binhdan.indicators"
    label = "indicators"
    verbose_name = "Chỉ tiêu và bảng số liệu"

    def ready(self) -> None:
        from binhdan.fieldwork.links import register_place_links
        from binhdan.indicators.links import place_links
        from binhdan.indicators.rollup import refresh_households
        from binhdan.registry.recording import register_listener

        register_place_links("indicators", place_links)

        # Every registry write that changes what is counted refreshes the rollups in its transaction.
        register_listener(refresh_households)

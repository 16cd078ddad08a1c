from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "binhdan.indicators"
    label = "indicators"
    verbose_name = "Chỉ tiêu và bảng số liệu"

    def ready(self) -> None:
        from binhdan.common.jobs import register_periodic
        from binhdan.fieldwork.links import register_place_links
        from binhdan.indicators.links import place_links
        from binhdan.indicators.rollup import catch_up, enqueue
        from binhdan.registry.recording import register_listener

        register_place_links("indicators", place_links)

        # Every registry write that changes what is counted queues its households in its transaction;
        # the rollups catch up in the background (jobs_worker) and before every read of them.
        register_listener(enqueue)
        register_periodic("rollups", catch_up)

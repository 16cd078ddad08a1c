from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "binhdan.reports"
    label = "reports"
    verbose_name = "Báo cáo, nhiệm vụ và hạn nộp"

    def ready(self) -> None:
        from binhdan.fieldwork.links import register_place_links
        from binhdan.registry.rights import register_erasure_step
        from binhdan.reports import jobs, panels  # noqa: F401  (registers the report jobs and the dashboards' late lists)
        from binhdan.reports.erasure import ERASURE_STEP_KEY, redact_reports_text
        from binhdan.reports.links import place_links

        register_place_links("reports", place_links)
        from binhdan.fieldwork.demo import register_demo_step
        from binhdan.reports.demo import demo_step

        register_demo_step("reports", demo_step)  # `load_demo` makes the demo commune's reports too

        # A narrative section or a task's result may name a resident: erasure redacts them too.
        register_erasure_step(ERASURE_STEP_KEY, redact_reports_text)

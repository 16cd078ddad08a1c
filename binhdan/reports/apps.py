from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "binhdan.reports"
    label = "reports"
    verbose_name = "Báo cáo, nhiệm vụ và hạn nộp"

    def ready(self) -> None:
        from binhdan.reports import jobs  # noqa: F401  (registers the report job functions)

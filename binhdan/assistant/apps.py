from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "binhdan.assistant"
    label = "assistant"
    verbose_name = "Trợ lý ảo học kỹ năng số"

    def ready(self) -> None:
        from binhdan.assistant.panels import resident_progress
        from binhdan.registry.panels import register_panel

        register_panel("resident", "assistant-progress", resident_progress)

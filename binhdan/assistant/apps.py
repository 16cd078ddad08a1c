from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "binhdan.assistant"
    label = "assistant"
    verbose_name = "Trợ lý ảo học kỹ năng số"

from django.apps import AppConfig


class FieldworkConfig(AppConfig):
    name = "binhdan.fieldwork"
    label = "fieldwork"
    verbose_name = "Hoạt động của Tổ công nghệ số"

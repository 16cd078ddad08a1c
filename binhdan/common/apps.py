from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "binhdan.common"
    label = "common"
    verbose_name = "Dùng chung"

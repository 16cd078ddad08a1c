from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "binhdan.registry"
    label = "registry"
    verbose_name = "Sổ hộ và người dân"

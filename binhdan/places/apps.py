from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "binhdan.places"
    label = "places"
    verbose_name = "Địa bàn"

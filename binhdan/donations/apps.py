from django.apps import AppConfig


class DonationsConfig(AppConfig):
    name = "binhdan.donations"
    label = "donations"
    verbose_name = "Chắp cánh công nghệ: trao tặng thiết bị"

from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "binhdan.programmes"
    label = "programmes"
    verbose_name = "Chương trình cộng đồng: vận động, danh sách mục tiêu"

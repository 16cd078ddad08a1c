from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "binhdan.programmes"
    label = "programmes"
    verbose_name = "Chương trình cộng đồng: vận động, danh sách mục tiêu"

    def ready(self) -> None:
        from binhdan.fieldwork.links import register_place_links
        from binhdan.programmes.links import place_links

        register_place_links("programmes", place_links)
        from binhdan.fieldwork.demo import register_demo_step
        from binhdan.programmes.demo import demo_step

        register_demo_step("programmes", demo_step)  # `load_demo` adds this app's part of the demo

from django.apps import AppConfig


class DonationsConfig(AppConfig):
    name = "binhdan.donations"
    label = "donations"
    verbose_name = "Chắp cánh công nghệ: trao tặng thiết bị"

    def ready(self) -> None:
        from binhdan.donations.erasure import ERASURE_STEP_KEY, redact_donation_text
        from binhdan.donations.links import place_links
        from binhdan.fieldwork.links import register_place_links
        from binhdan.registry.rights import register_erasure_step

        register_erasure_step(ERASURE_STEP_KEY, redact_donation_text)
        register_place_links("donations", place_links)
        from binhdan.donations.demo import demo_step
        from binhdan.fieldwork.demo import register_demo_step

        register_demo_step("donations", demo_step)  # `load_demo` adds this app's part of the demo

from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "binhdan.certificates"
    label = "certificates"
    verbose_name = "Giấy chứng nhận hoàn thành lớp học"

    def ready(self) -> None:
        from binhdan.certificates.erasure import ERASURE_STEP_KEY, withdraw_certificates
        from binhdan.certificates.links import place_links
        from binhdan.fieldwork.links import register_place_links
        from binhdan.registry.rights import register_erasure_step

        # A resident's erasure withdraws their papers; the public page then shows no initials.
        register_erasure_step(ERASURE_STEP_KEY, withdraw_certificates)
        register_place_links("certificates", place_links)
        from binhdan.certificates.demo import demo_step
        from binhdan.fieldwork.demo import register_demo_step

        register_demo_step("certificates", demo_step)  # `load_demo` adds this app's part of the demo

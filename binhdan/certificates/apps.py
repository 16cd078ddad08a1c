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

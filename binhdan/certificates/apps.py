from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "binhdan.certificates"
    label = "certificates"
    verbose_name = "Giấy chứng nhận hoàn thành lớp học"

from django.contrib import admin
from django.urls import include, path

from binhdan.fieldwork import views as fieldwork_views
from config.api import api

admin.site.site_header = "binhdan — quản trị"
admin.site.site_title = "binhdan"
admin.site.index_title = "Quản trị dữ liệu"

urlpatterns = [
    # The API first: phones call it many times a minute, and Django tries the patterns in order.
    path("api/v1/", api.urls),
    path("", fieldwork_views.home, name="home"),
    path("tai-khoan/", include("binhdan.accounts.urls")),
    path("", include("binhdan.registry.urls")),
    path("", include("binhdan.fieldwork.urls")),
    path("", include("binhdan.common.urls")),
    path("chi-tieu/", include("binhdan.indicators.urls")),
    path("bao-cao/", include("binhdan.reports.urls")),
    path("chuong-trinh/", include("binhdan.programmes.urls")),
    path("chung-nhan/", include("binhdan.certificates.urls")),
    path("chap-canh/", include("binhdan.donations.urls")),
    path("tro-ly/", include("binhdan.assistant.urls")),
    path("g/", include("binhdan.assistant.short_urls")),
    path("quan-tri/", admin.site.urls),
]

handler400 = "binhdan.common.errors.bad_request"
handler403 = "binhdan.common.errors.permission_denied"
handler404 = "binhdan.common.errors.page_not_found"
handler500 = "binhdan.common.errors.server_error"

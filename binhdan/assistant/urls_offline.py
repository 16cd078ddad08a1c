"""(filled by the offline work)"""

urlpatterns: list = []

"""(filled by the questions work)"""

urlpatterns: list = []

"""(filled by the reports work)"""

urlpatterns: list = []

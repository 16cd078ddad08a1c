"""(filled by the tasks work)"""

urlpatterns: list = []

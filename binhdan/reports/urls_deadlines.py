"""(filled by the deadlines work)"""

urlpatterns: list = []

"""(URLs of donations)"""

app_name = "donations"

urlpatterns: list = []

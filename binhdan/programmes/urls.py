"""(URLs of programmes)"""

app_name = "programmes"

urlpatterns: list = []

from django.urls import path

from hub import views

app_name = "hub"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", views.account, name="account"),
    path("healthz", views.healthz, name="healthz"),
]

from django.urls import path

from hub import views

app_name = "hub"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
]

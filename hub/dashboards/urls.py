from django.urls import path

from hub.dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.index, name="index"),
    path("dashboard/screen/", views.screen, name="screen"),
    path("dashboard/data/<slug:chart>.json", views.data, name="data"),
    path("dashboard/export.xlsx", views.export, name="export_all"),
    path("dashboard/export/<slug:chart>.xlsx", views.export, name="export"),
]

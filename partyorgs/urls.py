from django.urls import path

from . import views

app_name = "partyorgs"

urlpatterns = [
    path("orgs/", views.org_tree, name="org_tree"),
    path("orgs/<int:pk>/", views.org_detail, name="org_detail"),
    path("enterprises/", views.enterprise_list, name="enterprise_list"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise_detail"),
    path("incubators/", views.incubator_list, name="incubator_list"),
    path("incubators/<int:pk>/", views.incubator_detail, name="incubator_detail"),
]

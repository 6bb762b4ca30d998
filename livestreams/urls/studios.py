from django.urls import path

from livestreams.views import studios

app_name = "studios"

urlpatterns = [
    path("studios/", studios.studio_list, name="list"),
    path("studios/availability/", studios.studio_availability, name="availability"),
    path("studios/new/", studios.studio_new, name="new"),
    path("studios/<int:pk>/", studios.studio_detail, name="detail"),
    path("studios/<int:pk>/edit/", studios.studio_edit, name="edit"),
]

from django.urls import path

from hub import views

app_name = "hub"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", views.account, name="account"),
    path("accounts/notifications/read/", views.notifications_read, name="notifications_read"),
    path("accounts/invitations/", views.invitations, name="invitations"),
    path("accounts/invitations/<int:pk>/withdraw/", views.invitation_revoke, name="invitation_revoke"),
    path("invitations/<str:token>/", views.invitation_open, name="invitation_open"),
    path("healthz", views.healthz, name="healthz"),
]

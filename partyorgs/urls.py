from django.urls import path

from . import phone_views, views

app_name = "partyorgs"

urlpatterns = [
    path("orgs/", views.org_tree, name="org_tree"),
    path("orgs/<int:pk>/", views.org_detail, name="org_detail"),
    path("enterprises/", views.enterprise_list, name="enterprise_list"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise_detail"),
    path("incubators/", views.incubator_list, name="incubator_list"),
    path("incubators/<int:pk>/", views.incubator_detail, name="incubator_detail"),
    path("accounts/", views.account, name="account"),
    path("accounts/notifications/read/", views.notifications_read, name="notifications_read"),
    path("accounts/invitations/", views.invitations, name="invitations"),
    path("accounts/invitations/<int:pk>/withdraw/", views.invitation_revoke, name="invitation_revoke"),
    path("invitations/<str:token>/", views.invitation_open, name="invitation_open"),
    path("orgs/<int:pk>/roster/", views.roster, name="roster"),
    path("orgs/<int:pk>/roster/import/", views.roster_import, name="roster_import"),
    path("orgs/<int:pk>/roster/template/", views.roster_template, name="roster_template"),
    path("roster/members/<int:pk>/", views.member_edit, name="member_edit"),
    path("roster/imports/<int:pk>/", views.roster_import_status, name="roster_import_status"),
    # --- phone sign-in ---
    path("accounts/profile/", phone_views.profile, name="profile"),
    path("accounts/phone/signup/", phone_views.phone_signup, name="phone_signup"),
    path("accounts/phone/signup/code/", phone_views.phone_signup_code, name="phone_signup_code"),
]

from django.urls import path

from livestreams.views import sales, sales_room

app_name = "sales"

urlpatterns = [
    path("sales/", sales.sales_list, name="list"),
    path("sales/new/", sales.sales_new, name="new"),
    path("sales/inbox/", sales.sales_inbox_view, name="inbox"),
    path("sales/schedule/", sales.sales_schedule, name="schedule"),
    path("sales/history/", sales.sales_history, name="history"),
    path("sales/results/import/", sales.sales_import, name="import"),
    path("sales/results/import/<int:pk>/", sales.sales_import_status, name="import_status"),
    path("sales/results/template.csv", sales.sales_import_template, name="import_template"),
    path("sales/<int:pk>/", sales.sales_detail, name="detail"),
    path("sales/<int:pk>/edit/", sales.sales_edit, name="edit"),
    path("sales/<int:pk>/repeat/", sales.sales_repeat, name="repeat"),
    path("sales/<int:pk>/approve/", sales.sales_approve, name="approve"),
    path("sales/<int:pk>/reject/", sales.sales_reject, name="reject"),
    path("sales/<int:pk>/cancel/", sales.sales_cancel, name="cancel"),
    path("sales/<int:pk>/studio/", sales.sales_book_studio, name="book"),
    path("sales/<int:pk>/results/", sales.sales_results, name="results"),
    path("sales/products/<int:pk>/go/", sales_room.product_go, name="product_go"),
    path("campaigns/", sales.campaign_list, name="campaigns"),
    path("campaigns/new/", sales.campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", sales.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/edit/", sales.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/promotions/new/", sales.promotion_new, name="promotion_new"),
]

from django.contrib import admin
from django.db import models

from livestreams.models import (
    Campaign,
    PlatformColumnMapping,
    Product,
    ProductResult,
    PromotionSession,
    SalesResult,
    SalesSession,
)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "building", "region", "starts_on", "ends_on"]
    list_filter = ["region"]
    search_fields = ["name"]
    raw_id_fields = ["created_by"]


class ProductInline(admin.TabularInline):
    model = Product
    extra = 0
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class SalesResultInline(admin.StackedInline):
    model = SalesResult
    extra = 0
    raw_id_fields = ["reported_by"]


@admin.register(SalesSession)
class SalesSessionAdmin(admin.ModelAdmin):
    list_display = ["session", "enterprise", "platform", "approval", "campaign"]
    list_filter = ["approval", "platform", "campaign"]
    search_fields = ["session__title", "enterprise__name"]
    raw_id_fields = ["session", "enterprise", "building", "reviewed_by"]
    list_select_related = ["session", "enterprise", "campaign"]
    inlines = [ProductInline, SalesResultInline]


@admin.register(PromotionSession)
class PromotionSessionAdmin(admin.ModelAdmin):
    list_display = ["session", "host_names", "platform", "campaign"]
    raw_id_fields = ["session"]
    list_select_related = ["session", "campaign"]


@admin.register(SalesResult)
class SalesResultAdmin(admin.ModelAdmin):
    list_display = ["sales_session", "gmv", "orders", "peak_viewers", "measured_peak_viewers", "flagged"]
    list_filter = ["flagged"]
    raw_id_fields = ["sales_session", "reported_by"]


@admin.register(PlatformColumnMapping)
class PlatformColumnMappingAdmin(admin.ModelAdmin):
    """Staff say which header of a platform's product export means what (several spellings: a|b). A row
    replaces the built-in default of its platform (livestreams.services.sales_import.BUILTIN_MAPPINGS)."""

    list_display = [
        "platform",
        "session_header",
        "product_header",
        "units_header",
        "gmv_header",
        "clicks_header",
    ]


@admin.register(ProductResult)
class ProductResultAdmin(admin.ModelAdmin):
    list_display = ["product", "units", "gmv", "clicks", "reported_at"]
    raw_id_fields = ["product", "reported_by"]
    list_select_related = ["product"]

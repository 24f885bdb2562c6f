from django.contrib import admin

from agreements.admin import ScopedAdminMixin
from commitments.models import Commitment, TargetGroup, Theme


@admin.register(Theme, TargetGroup)
class VocabularyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Commitment)
class CommitmentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    agreement_path = "agreement"
    list_display = ["__str__", "party", "agreement", "phase"]
    list_filter = [
        "themes",
        "target_groups",
        "phase",
        "party__organisation__kind",
        "agreement__county",
    ]
    search_fields = ["heading", "text", "party__organisation__name", "agreement__title"]
    autocomplete_fields = ["agreement", "party", "themes", "target_groups", "responsible_contact"]
    list_select_related = ["party__organisation", "agreement"]

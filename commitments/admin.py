from django.contrib import admin

from agreements.admin import AgreementPartAdmin
from commitments.models import Commitment, TargetGroup, Theme


@admin.register(Theme, TargetGroup)
class VocabularyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Commitment)
class CommitmentAdmin(AgreementPartAdmin):
    """Searched here; edited on the agreement's page (locking and history live there)."""

    list_display = ["__str__", "party", "agreement_link", "phase"]
    list_filter = [
        "themes",
        "target_groups",
        "phase",
        "party__organisation__kind",
        "agreement__county",
    ]
    search_fields = ["heading", "text", "party__organisation__name", "agreement__title"]
    list_select_related = ["party__organisation", "agreement"]

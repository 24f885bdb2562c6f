from django.contrib import admin
from django.db.models import Q

from actors.models import Scope
from agreements.admin import ScopedAdminMixin
from agreements.models import Agreement
from followup.models import CommitmentAssessment, FollowUp, GoalOutcome, ReceptionFigure


class AssessmentInline(admin.TabularInline):
    model = CommitmentAssessment
    extra = 0
    autocomplete_fields = ["commitment"]


class GoalOutcomeInline(admin.TabularInline):
    model = GoalOutcome
    extra = 0
    autocomplete_fields = ["goal"]


@admin.register(FollowUp)
class FollowUpAdmin(ScopedAdminMixin, admin.ModelAdmin):
    agreement_path = "agreement"
    list_display = ["agreement", "year", "state", "held_on", "revision_recommended"]
    list_filter = ["state", "year", "revision_recommended", "agreement__county"]
    search_fields = ["agreement__title", "summary", "conclusions"]
    autocomplete_fields = ["agreement", "responsible_organisation"]
    readonly_fields = ["completed_at"]
    list_select_related = ["agreement"]
    inlines = [AssessmentInline, GoalOutcomeInline]


@admin.register(ReceptionFigure)
class ReceptionFigureAdmin(admin.ModelAdmin):
    """Figures whose source is another county's draft are not listed; staff change only the
    figures of municipalities in their own county."""

    def get_queryset(self, request):
        visible = Agreement.objects.visible_to(request.user).values("pk")
        return (
            super()
            .get_queryset(request)
            .filter(Q(source_agreement__isnull=True) | Q(source_agreement__in=visible))
        )

    def _may_change(self, request, obj):
        scope = Scope.of(request.user)
        if obj is None:
            return not scope.is_empty
        return scope.covers_county(obj.municipality.county_id)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self._may_change(request, None)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_change(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_change(request, obj)

    list_display = ["municipality", "year", "agreed_number", "assigned_number", "source_agreement"]
    list_filter = ["year", "municipality__county"]
    search_fields = ["municipality__name", "municipality__code"]
    autocomplete_fields = ["municipality", "source_agreement"]
    list_select_related = ["municipality", "source_agreement"]

from django.contrib import admin

from agreements.admin import ScopedAdminMixin
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
    list_display = ["municipality", "year", "agreed_number", "assigned_number", "source_agreement"]
    list_filter = ["year", "municipality__county"]
    search_fields = ["municipality__name", "municipality__code"]
    autocomplete_fields = ["municipality", "source_agreement"]
    list_select_related = ["municipality", "source_agreement"]

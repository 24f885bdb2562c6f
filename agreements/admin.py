from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone

from actors.models import County, Scope
from agreements.models import (
    Agreement,
    AgreementLineage,
    AgreementSection,
    Attachment,
    Goal,
    LegalReference,
    Party,
    Perspective,
    Publication,
    validate_municipalities,
)
from commitments.models import Commitment


class ScopedAdminMixin:
    """Staff read what is published plus their own county's drafts, and change only their
    own county's agreements. `agreement_path` leads from this model to its agreement."""

    agreement_path = ""

    def _agreement_queryset(self, request, rule):
        return getattr(Agreement.objects, rule)(request.user)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        visible = self._agreement_queryset(request, "visible_to")
        if not self.agreement_path:
            return queryset.filter(pk__in=visible.values("pk"))
        return queryset.filter(**{f"{self.agreement_path}__in": visible.values("pk")})

    def _may_change(self, request, obj) -> bool:
        if obj is None:
            return not Scope.of(request.user).is_empty
        agreement = obj
        for step in filter(None, self.agreement_path.split("__")):
            agreement = getattr(agreement, step)
        return Scope.of(request.user).covers_county(agreement.county_id)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_change(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_change(request, obj)

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) and not Scope.of(request.user).is_empty


class AgreementForm(forms.ModelForm):
    """Fields come from AgreementAdmin.fieldsets."""

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        scope = Scope.of(request.user) if request else None
        if scope and not scope.national and "county" in self.fields:
            self.fields["county"].queryset = County.objects.filter(pk__in=scope.county_ids)

    def clean(self):
        cleaned = super().clean()
        if "municipalities" in cleaned:
            try:
                validate_municipalities(
                    level=cleaned.get("level"),
                    county=cleaned.get("county"),
                    municipalities=cleaned["municipalities"],
                )
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


class SectionInline(admin.StackedInline):
    model = AgreementSection
    extra = 0
    fields = ["order", "heading", "text"]


class PartyInline(admin.TabularInline):
    model = Party
    extra = 0
    fields = [
        "order",
        "organisation",
        "role",
        "is_convener",
        "signatory_name",
        "signatory_title",
        "signed_on",
    ]
    autocomplete_fields = ["organisation"]


class AgreementPartyFieldMixin:
    """A goal's or commitment's party must be one of this agreement's parties."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "party":
            agreement_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Party.objects.filter(agreement_id=agreement_id).select_related(
                "organisation"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class GoalInline(AgreementPartyFieldMixin, admin.StackedInline):
    model = Goal
    extra = 0
    fields = [
        "order",
        "text",
        "party",
        ("indicator", "unit"),
        ("baseline_value", "baseline_year"),
        ("target_value", "target_year"),
    ]


class CommitmentInline(AgreementPartyFieldMixin, admin.StackedInline):
    model = Commitment
    extra = 0
    fields = ["party", "order", "heading", "text", "themes", "target_groups", "phase"]
    autocomplete_fields = ["themes", "target_groups"]
    verbose_name_plural = "åtaganden (spara parterna först, sedan deras åtaganden)"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("party__organisation")
            .order_by("party__order", "order", "id")
        )


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ["title", "kind", "file"]


@admin.register(Agreement)
class AgreementAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = AgreementForm
    list_display = [
        "title",
        "version_number",
        "version_label",
        "level",
        "county",
        "publication",
        "valid_from",
        "valid_until",
        "is_good_example",
    ]
    list_filter = ["publication", "level", "kind", "county", "is_good_example", "themes"]
    search_fields = [
        "title",
        "alias",
        "registration_number",
        "lineage__slug",
        "parties__organisation__name",
    ]
    autocomplete_fields = [
        "lineage",
        "county",
        "municipalities",
        "parent",
        "annex_to",
        "based_on",
        "followup_responsible",
        "themes",
        "target_groups",
        "perspectives",
        "legal_references",
        "contacts",
    ]
    list_select_related = ["county", "lineage"]
    readonly_fields = ["published_at", "created_at", "updated_at"]
    date_hierarchy = "valid_from"
    inlines = [PartyInline, GoalInline, CommitmentInline, SectionInline, AttachmentInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "alias",
                    "registration_number",
                    "level",
                    "kind",
                    "county",
                    "municipalities",
                ]
            },
        ),
        ("Version", {"fields": ["lineage", "version_number", "version_label"]}),
        (
            "Giltighet och publicering",
            {"fields": ["signed_on", "valid_from", "valid_until", "publication", "published_at"]},
        ),
        ("Kopplingar", {"fields": ["parent", "annex_to", "based_on"]}),
        (
            "Innehåll",
            {
                "fields": [
                    "background",
                    "purpose",
                    "target_group",
                    "organisation",
                    "followup_routine",
                    "revision_routine",
                    "disagreement_handling",
                    "communication",
                ]
            },
        ),
        ("Uppföljning", {"fields": ["followup_frequency", "followup_responsible"]}),
        ("Taggar", {"fields": ["themes", "target_groups", "perspectives", "legal_references"]}),
        (
            "Gott exempel och kontakter",
            {"fields": ["is_good_example", "good_example_note", "contacts"]},
        ),
        ("Ändringar", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class ScopedForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, request=request, **inner)

        return ScopedForm

    def get_search_results(self, request, queryset, search_term):
        # Autocomplete for parent/annex_to/based_on lists only what this user may read.
        queryset = queryset.filter(pk__in=Agreement.objects.visible_to(request.user).values("pk"))
        return super().get_search_results(request, queryset, search_term)

    def save_model(self, request, obj, form, change):
        if obj.publication == Publication.PUBLISHED and obj.published_at is None:
            obj.published_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(AgreementLineage)
class AgreementLineageAdmin(admin.ModelAdmin):
    search_fields = ["slug", "versions__title"]
    list_display = ["slug", "created_at"]

    def get_queryset(self, request):
        visible = Agreement.objects.visible_to(request.user)
        return super().get_queryset(request).filter(versions__in=visible).distinct()


@admin.register(Party)
class PartyAdmin(ScopedAdminMixin, admin.ModelAdmin):
    agreement_path = "agreement"
    list_display = ["organisation", "agreement", "role", "is_convener", "signatory_name"]
    list_filter = ["role", "is_convener", "organisation__kind", "agreement__county"]
    search_fields = ["organisation__name", "signatory_name", "agreement__title"]
    autocomplete_fields = ["agreement", "organisation"]
    list_select_related = ["organisation", "agreement"]


@admin.register(Goal)
class GoalAdmin(ScopedAdminMixin, admin.ModelAdmin):
    agreement_path = "agreement"
    list_display = ["__str__", "agreement", "indicator", "target_value", "target_year"]
    search_fields = ["text", "indicator", "agreement__title"]
    autocomplete_fields = ["agreement", "party"]
    list_select_related = ["agreement"]


@admin.register(AgreementSection)
class AgreementSectionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    agreement_path = "agreement"
    list_display = ["heading", "agreement", "order"]
    search_fields = ["heading", "text", "agreement__title"]
    autocomplete_fields = ["agreement"]


@admin.register(Attachment)
class AttachmentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    agreement_path = "agreement"
    list_display = ["title", "agreement", "kind", "uploaded_at"]
    list_filter = ["kind"]
    search_fields = ["title", "agreement__title"]
    autocomplete_fields = ["agreement"]


@admin.register(Perspective)
class PerspectiveAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(LegalReference)
class LegalReferenceAdmin(admin.ModelAdmin):
    list_display = ["sfs", "title"]
    search_fields = ["sfs", "title"]

from django import forms
from django.contrib import admin

from actors.models import (
    ContactPerson,
    County,
    CountyMembership,
    Municipality,
    Organisation,
    StaffScope,
)
from agreements import policy


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ["code", "letter_code", "name", "valid_from", "valid_until", "successor"]
    search_fields = ["name", "code", "letter_code"]
    readonly_fields = [
        "code",
        "letter_code",
        "name",
        "slug",
        "valid_from",
        "valid_until",
        "successor",
    ]

    def get_queryset(self, request):
        return County.all_objects.select_related("successor").defer("geometry")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CountyMembershipInline(admin.TabularInline):
    model = CountyMembership
    fields = ["county", "code", "valid_from", "valid_until"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "county", "valid_from"]
    list_filter = ["county"]
    search_fields = ["name", "code"]
    readonly_fields = ["code", "name", "slug", "county", "valid_from", "valid_until", "formed_from"]
    list_select_related = ["county"]
    inlines = [CountyMembershipInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedOrganisationMixin:
    """Every staff member sees every organisation (they choose parties among them), but
    changes and deletes only those the policy gives them: their county's, and the national
    ones for national editors. `organisation_of` leads from the object to its organisation.
    Adding is open to all staff; the forms check that what is added is in their scope (an
    organisation) or not shown to the public (another county's contact person)."""

    @staticmethod
    def organisation_of(obj) -> Organisation:
        return obj

    def _may_change(self, request, obj) -> bool:
        if obj is None:
            return policy.works_in_registry(request.user)
        return policy.may_change_organisation(request.user, self.organisation_of(obj))

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) and self._may_change(request, None)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_change(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_change(request, obj)


class OrganisationAdminForm(forms.ModelForm):
    """A new organisation, or one moved to another county, must still be the user's to
    change: nobody creates or moves one into a scope they do not have."""

    user = None  # set by OrganisationAdmin.get_form; the admin's factory adds the Meta

    def _post_clean(self):
        super()._post_clean()
        # The instance now has the form's values; judge it as it would be saved.
        if not self.errors:
            refusal = policy.refusal_to_change_organisation(self.user, self.instance)
            if refusal:
                self.add_error(None, refusal)


class ContactPersonForm(forms.ModelForm):
    """Only the organisation's county staff (national editors for national organisations)
    show a person's personal data to the public."""

    user = None  # set by the admin's get_form / get_formset

    def clean(self):
        cleaned = super().clean()
        organisation = cleaned.get("organisation") or getattr(self.instance, "organisation", None)
        if cleaned.get("is_public") and organisation is not None:
            refusal = policy.refusal_to_publish_contact(self.user, organisation)
            if refusal:
                self.add_error("is_public", refusal)
        return cleaned


def _with_user(form_class, user):
    return type(form_class.__name__, (form_class,), {"user": user})


class ContactPersonInline(admin.TabularInline):
    model = ContactPerson
    form = ContactPersonForm
    extra = 0
    fields = ["name", "title", "email", "phone", "is_public"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = _with_user(formset.form, request.user)
        return formset


@admin.register(Organisation)
class OrganisationAdmin(ScopedOrganisationMixin, admin.ModelAdmin):
    form = OrganisationAdminForm
    list_display = ["name", "abbreviation", "kind", "county", "active_from", "active_until"]
    list_filter = ["kind", "county"]
    search_fields = ["name", "abbreviation", "organisation_number", "slug"]
    autocomplete_fields = ["county", "municipality", "parent", "successor"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["county"]
    inlines = [ContactPersonInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "abbreviation", "kind", "organisation_number"]}),
        ("Var organisationen hör hemma", {"fields": ["county", "municipality", "parent"]}),
        ("Historik", {"fields": ["active_from", "active_until", "successor"]}),
    ]

    def get_form(self, request, obj=None, **kwargs):
        return _with_user(super().get_form(request, obj, **kwargs), request.user)


@admin.register(ContactPerson)
class ContactPersonAdmin(ScopedOrganisationMixin, admin.ModelAdmin):
    form = ContactPersonForm
    list_display = ["__str__", "title", "email", "is_public"]
    list_filter = ["is_public", "organisation__kind"]
    search_fields = ["name", "email", "organisation__name"]
    autocomplete_fields = ["organisation"]
    list_select_related = ["organisation"]

    @staticmethod
    def organisation_of(obj) -> Organisation:
        return obj.organisation

    def get_form(self, request, obj=None, **kwargs):
        return _with_user(super().get_form(request, obj, **kwargs), request.user)


@admin.register(StaffScope)
class StaffScopeAdmin(admin.ModelAdmin):
    """Only superusers grant scopes: staff must not be able to widen their own."""

    list_display = ["user", "county", "is_national"]
    list_filter = ["is_national", "county"]
    autocomplete_fields = ["user", "county"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

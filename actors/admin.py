from django.contrib import admin

from actors.models import ContactPerson, County, Municipality, Organisation, StaffScope


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ["code", "letter_code", "name"]
    search_fields = ["name", "code", "letter_code"]
    readonly_fields = ["code", "letter_code", "name", "slug"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "county"]
    list_filter = ["county"]
    search_fields = ["name", "code"]
    readonly_fields = ["code", "name", "slug", "county"]
    list_select_related = ["county"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ContactPersonInline(admin.TabularInline):
    model = ContactPerson
    extra = 0
    fields = ["name", "title", "email", "phone", "is_public"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
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


@admin.register(ContactPerson)
class ContactPersonAdmin(admin.ModelAdmin):
    list_display = ["__str__", "title", "email", "is_public"]
    list_filter = ["is_public", "organisation__kind"]
    search_fields = ["name", "email", "organisation__name"]
    autocomplete_fields = ["organisation"]
    list_select_related = ["organisation"]


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

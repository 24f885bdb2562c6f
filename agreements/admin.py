import json

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.models import LogEntry
from django.contrib.admin.utils import unquote
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from reversion.models import Revision

from actors.models import ContactPerson
from agreements import importing, policy, services
from agreements.admin_parts import PartsViews, common_goal_count, parties_with_counts
from agreements.document import ROWS, SECTION, TEXT_SECTIONS
from agreements.forms import (
    AgreementForm,
    AttachmentInlineForm,
    ImportForm,
    SectionInlineForm,
    UnpublishForm,
)
from agreements.history import (
    agreement_history,
    history_ensure_baseline,
    history_record,
    revision_of_agreement,
)
from agreements.locking import UNRESOLVED_MESSAGE, MergingInlineFormSet
from agreements.models import (
    Agreement,
    AgreementLineage,
    AgreementSection,
    Attachment,
    Goal,
    ImportJob,
    JobAction,
    LegalReference,
    LegalStatus,
    Party,
    Perspective,
    Publication,
)
from agreements.signals import agreement_changes

# How often the page of a big import being saved reloads itself.
IMPORT_REFRESH_SECONDS = 3


def _errors_besides_conflict(form, formsets) -> bool:
    def others(errors):
        return any(error.code != "conflict" for error in errors)

    if any(
        others(errors) for name, errors in form.errors.as_data().items() if name != NON_FIELD_ERRORS
    ) or others(form.errors.as_data().get(NON_FIELD_ERRORS, [])):
        return True
    for formset in formsets:
        if any(formset.errors) or any(
            message != UNRESOLVED_MESSAGE for message in formset.non_form_errors()
        ):
            return True
    return False


def scoped_delete_selected(modeladmin, request, queryset):
    """Django's bulk delete, refused as a whole when any selected row is outside the
    user's scope (the list also shows other counties' published agreements)."""
    refused = [obj for obj in queryset if not modeladmin.has_delete_permission(request, obj)]
    if refused:
        names = ", ".join(str(obj) for obj in refused[:5])
        modeladmin.message_user(
            request,
            f"Inget togs bort. Du får inte ta bort: {names}"
            f"{' med flera' if len(refused) > 5 else ''}. Du kan bara ta bort utkast i ditt "
            "eget län; publicerade överenskommelser avpubliceras i stället.",
            messages.ERROR,
        )
        return None
    return delete_selected(modeladmin, request, queryset)


scoped_delete_selected.short_description = "Ta bort markerade %(verbose_name_plural)s"
scoped_delete_selected.allowed_permissions = ("delete",)


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

    def _agreement_of(self, obj) -> Agreement:
        agreement = obj
        for step in filter(None, self.agreement_path.split("__")):
            agreement = getattr(agreement, step)
        return agreement

    def _may_change(self, request, obj) -> bool:
        if obj is None:
            return policy.works_in_registry(request.user)
        return policy.may_change_agreement(request.user, self._agreement_of(obj))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_change(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_change(request, obj)

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) and policy.works_in_registry(request.user)

    # A save of the page writes the agreement and every part: one refresh of the search and
    # one bump of the catalogue's marker at the end (agreements/signals.py), not one per row.
    def changeform_view(self, *args, **kwargs):
        with agreement_changes():
            return super().changeform_view(*args, **kwargs)

    def delete_view(self, *args, **kwargs):
        with agreement_changes():
            return super().delete_view(*args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        if request.method != "POST":  # a list to read; its actions are POSTs
            return super().changelist_view(request, *args, **kwargs)
        with agreement_changes():
            return super().changelist_view(request, *args, **kwargs)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            actions["delete_selected"] = (
                scoped_delete_selected,
                "delete_selected",
                scoped_delete_selected.short_description,
            )
        return actions


class ScopedInlineMixin:
    """An inline of the agreement page may be changed exactly when the agreement may, and
    holds at most as many rows as the document allows (agreements/document.py's limits)."""

    def _rows(self):
        return next((rows for rows in ROWS if rows.part.model is self.model), None)

    def get_max_num(self, request, obj=None, **kwargs):
        rows = self._rows()
        return rows.limit if rows else super().get_max_num(request, obj, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **{"validate_max": True, **kwargs})
        rows = self._rows()
        if rows is None:
            return formset
        messages = {**formset.default_error_messages, "too_many_forms": rows.limit_message()}
        return type(formset.__name__, (formset,), {"default_error_messages": messages})

    def _may_change(self, request, obj) -> bool:
        if obj is None:
            return policy.works_in_registry(request.user)
        return policy.may_change_agreement(request.user, obj)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._may_change(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_change(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_change(request, obj)


class SectionInline(ScopedInlineMixin, admin.StackedInline):
    model = AgreementSection
    form = SectionInlineForm
    extra = 0
    fields = ["order", *SECTION.fields]


class AttachmentInline(ScopedInlineMixin, admin.TabularInline):
    model = Attachment
    form = AttachmentInlineForm
    extra = 0
    fields = ["title", "kind", "file", "public_link", "text_length"]
    readonly_fields = ["public_link", "text_length"]

    @admin.display(description="visa")
    def public_link(self, obj):
        if not obj.pk or not obj.file:
            return "–"
        return format_html('<a href="{}">Öppna PDF</a>', obj.get_absolute_url())

    @admin.display(description="text för sökning")
    def text_length(self, obj):
        if not obj.pk:
            return "–"
        words = len(obj.extracted_text.split())
        return f"{words} ord" if words else "ingen text hittades (skannad bild?)"


class EditableByMeFilter(admin.SimpleListFilter):
    title = "behörighet"
    parameter_name = "mina"

    def lookups(self, request, model_admin):
        return [("ja", "Som jag får ändra"), ("nej", "Som jag bara får läsa")]

    def queryset(self, request, queryset):
        mine = Agreement.objects.editable_by(request.user).values("pk")
        if self.value() == "ja":
            return queryset.filter(pk__in=mine)
        if self.value() == "nej":
            return queryset.exclude(pk__in=mine)
        return queryset


class LegalStatusFilter(admin.SimpleListFilter):
    title = "giltighet"
    parameter_name = "giltighet"

    def lookups(self, request, model_admin):
        return LegalStatus.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(legal_status=self.value())
        return queryset


@admin.register(Agreement)
class AgreementAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = AgreementForm
    list_display = [
        "title",
        "version",
        "level",
        "county",
        "publication",
        "legal_status_display",
        "valid_from_written",
        "valid_until_written",
    ]
    list_filter = [
        EditableByMeFilter,
        "publication",
        LegalStatusFilter,
        "level",
        "kind",
        "county",
        "is_good_example",
        "themes",
    ]
    search_fields = [
        "title",
        "alias",
        "version_label",
        "registration_number",
        "lineage__slug",
        "parties__organisation__name",
    ]
    autocomplete_fields = [
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
    readonly_fields = [
        "publication",
        "published_at",
        "created_at",
        "updated_at",
        "lineage",
        "version_number",
    ]
    date_hierarchy = "valid_from"
    inlines = [SectionInline, AttachmentInline]
    actions = ["publish_selected", "unpublish_selected", "revise_selected"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "opened_version",
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
            {"fields": list(TEXT_SECTIONS)},
        ),
        ("Uppföljning", {"fields": ["followup_frequency", "followup_responsible"]}),
        ("Taggar", {"fields": ["themes", "target_groups", "perspectives", "legal_references"]}),
        (
            "Gott exempel och kontakter",
            {"fields": ["is_good_example", "good_example_note", "contacts"]},
        ),
        ("Ändringar", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    # Lists ------------------------------------------------------------------------------

    def get_queryset(self, request):
        return super().get_queryset(request).with_status()

    @admin.display(description="version", ordering="version_number")
    def version(self, obj):
        label = f" · {obj.version_label}" if obj.version_label else ""
        return f"{obj.version_number}{label}"

    @admin.display(description="giltighet")
    def legal_status_display(self, obj):
        return obj.legal_status_label

    @admin.display(description="gäller från", ordering="valid_from")
    def valid_from_written(self, obj):
        return obj.valid_from_partial

    @admin.display(description="gäller till", ordering="valid_until")
    def valid_until_written(self, obj):
        return obj.valid_until_partial

    def get_search_results(self, request, queryset, search_term):
        # Autocomplete for parent/annex_to/based_on lists only what this user may read.
        queryset = queryset.filter(pk__in=Agreement.objects.visible_to(request.user).values("pk"))
        return super().get_search_results(request, queryset, search_term)

    # Permissions ------------------------------------------------------------------------

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or policy.may_delete_agreement(request.user, obj))

    def get_deleted_objects(self, objs, request):
        """A draft's parts (parties, goals, commitments …) go with it for whoever may delete
        the draft, although their own admin pages never delete one on its own."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        parts = {
            model._meta.verbose_name
            for model, model_admin in self.admin_site._registry.items()
            if isinstance(model_admin, AgreementPartAdmin)
        }
        return deleted, counts, perms_needed - parts, protected

    # The form ---------------------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        if obj is not None:
            return self.fieldsets
        fieldsets = [(name, dict(options)) for name, options in self.fieldsets]
        for _, options in fieldsets:
            options["fields"] = [
                "lineage_slug" if f == "lineage" else f
                for f in options["fields"]
                if f not in ("version_number", "opened_version", "published_at")
            ]
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["publication", "created_at", "updated_at"]
        return self.readonly_fields

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class ScopedForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, request=request, **inner)

        return ScopedForm

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Links to other agreements take only what the user may read, as the autocomplete
        # lists; another county's draft is refused as an id that does not exist. The link the
        # agreement has now stays valid (a national editor may have made it), so that saving
        # the page does not drop it.
        if db_field.name in ("parent", "annex_to", "based_on"):
            object_id = str(request.resolver_match.kwargs.get("object_id", ""))
            this = Agreement.objects.filter(pk=object_id if object_id.isdigit() else None)
            linked_now = Agreement.objects.filter(pk__in=this.values(db_field.name))
            kwargs["queryset"] = Agreement.objects.visible_to(request.user) | linked_now
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "contacts":
            # A contact person is shown with the name of their organisation.
            kwargs["queryset"] = ContactPerson.objects.select_related("organisation")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        counties = list(policy.counties_for(request.user)[:2])
        if len(counties) == 1:
            initial.setdefault("county", counties[0].pk)
        return initial

    def save_model(self, request, obj, form, change):
        if change:
            history_ensure_baseline(agreement=obj)
            # The form checked the number under a row lock; the save moves it on.
            obj.lock_version = form.locked_version + 1
        else:
            obj.lineage = AgreementLineage.objects.create(slug=form.cleaned_data["lineage_slug"])
            obj.version_number = 1
            obj.publication = Publication.DRAFT
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Attachment:
            for attachment in formset.new_objects + [o for o, _ in formset.changed_objects]:
                services.attachment_text_extract(attachment=attachment)

    def _record(self, request, obj, message, prefix):
        if isinstance(message, list):
            message = json.dumps(message)
        readable = LogEntry(change_message=message).get_change_message()
        history_record(
            agreement=obj,
            user=request.user,
            comment=f"{prefix} {readable}".strip(),
            only_if_changed=True,
        )

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._record(request, obj, message, "Skapad i administrationen.")
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._record(request, obj, message, "")
        return entry

    def get_formsets_with_inlines(self, request, obj=None):
        for inline in self.get_inline_instances(request, obj):
            # Rows of a stale page are merged like the agreement's own fields.
            bases = (MergingInlineFormSet, inline.formset)
            formset = type(f"Merging{inline.formset.__name__}", bases, {})
            yield inline.get_formset(request, obj, formset=formset), inline

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        extra_context = extra_context or {}
        if obj is not None:
            extra_context.update(self._version_context(request, obj))
        response = super().change_view(request, object_id, form_url, extra_context)
        context = getattr(response, "context_data", None) or {}
        adminform = context.get("adminform")
        if adminform is not None and adminform.form.stale_edit is not None:
            # The conflict box explains the refusal in its own words; Django's generic
            # "correct the errors below" stays for errors of other kinds.
            formsets = [inline.formset for inline in context.get("inline_admin_formsets", [])]
            if not _errors_besides_conflict(adminform.form, formsets):
                context["errors"] = None
        return response

    def _version_context(self, request, obj):
        versions = list(
            Agreement.objects.visible_to(request.user)
            .filter(lineage_id=obj.lineage_id)
            .with_status()
            .order_by("version_number")
        )
        current = next((v for v in versions if v.pk == obj.pk), obj)
        status = getattr(current, "legal_status_label", "")
        may_change = self.has_change_permission(request, obj)
        return {
            "title": self._versioned(obj),
            "subtitle": None,
            "status_label": status,
            "lineage_versions": versions,
            "may_change": may_change,
            "parties": parties_with_counts(obj),
            "common_goal_count": common_goal_count(obj),
            "publication_problems": (
                services.agreement_publication_problems(obj, user=request.user)
                if not obj.is_published and may_change
                else []
            ),
        }

    # Workflow views ---------------------------------------------------------------------

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(view)

        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "<path:object_id>/revidera/",
                wrap(self.revise_view),
                name=f"{prefix}_revise",
            ),
            path(
                "<path:object_id>/publicera/",
                wrap(self.publish_view),
                name=f"{prefix}_publish",
            ),
            path(
                "<path:object_id>/avpublicera/",
                wrap(self.unpublish_view),
                name=f"{prefix}_unpublish",
            ),
            path(
                "<path:object_id>/historik/<int:revision_id>/aterstall/",
                wrap(self.restore_view),
                name=f"{prefix}_restore",
            ),
            path("importera/", wrap(self.import_view), name=f"{prefix}_import"),
            path(
                "importera/jobb/<int:job_id>/",
                wrap(self.import_job_view),
                name=f"{prefix}_import_job",
            ),
            path(
                "publicera/jobb/<int:job_id>/",
                wrap(self.publish_job_view),
                name=f"{prefix}_publish_job",
            ),
            path(
                "importera/mall.<str:file_format>",
                wrap(self.import_template_view),
                name=f"{prefix}_import_template",
            ),
            *PartsViews(self).urls(prefix),
            *super().get_urls(),
        ]

    def _changeable(self, request, object_id) -> Agreement:
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("Överenskommelsen finns inte.")
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def _page(self, request, obj, template, **context):
        return TemplateResponse(
            request,
            f"admin/agreements/agreement/{template}",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": obj,
                "object": obj,
                "change_url": reverse("admin:agreements_agreement_change", args=[obj.pk])
                if obj
                else None,
                **context,
            },
        )

    @staticmethod
    def _versioned(obj) -> str:
        label = f" ({obj.version_label})" if obj.version_label else ""
        return f"{obj.title} – version {obj.version_number}{label}"

    def _redirect_to(self, obj):
        return HttpResponseRedirect(reverse("admin:agreements_agreement_change", args=[obj.pk]))

    def revise_view(self, request, object_id):
        obj = self._changeable(request, object_id)
        if request.method == "POST":
            try:
                revised = services.agreement_revise(agreement=obj, user=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                return self._redirect_to(obj)
            problems = services.agreement_publication_problems(revised, user=request.user)
            todo = f" Innan den kan publiceras: {' '.join(problems)}" if problems else ""
            self.message_user(
                request,
                f"Version {revised.version_number} är skapad som utkast. Ändra det som är nytt "
                f"och publicera när den är klar.{todo}",
                messages.SUCCESS,
            )
            return self._redirect_to(revised)
        return self._page(
            request,
            obj,
            "revise.html",
            title=f"Revidera: {self._versioned(obj)}",
            copy=services.revision_copy_summary(),
        )

    def publish_view(self, request, object_id):
        obj = self._changeable(request, object_id)
        problems = services.agreement_publication_problems(obj, user=request.user)
        if request.method == "POST":
            try:
                services.agreement_publish(agreement=obj, user=request.user)
            except ValidationError as error:
                problems = error.messages
            else:
                self.message_user(
                    request,
                    f"{self._versioned(obj)} är publicerad och syns nu för alla.",
                    messages.SUCCESS,
                )
                return self._redirect_to(obj)
        earlier = Agreement.objects.published().filter(
            lineage_id=obj.lineage_id,
            version_number__lt=obj.version_number,
            valid_until__isnull=True,
        )
        return self._page(
            request,
            obj,
            "publish.html",
            title=f"Publicera: {self._versioned(obj)}",
            problems=problems,
            superseded=list(earlier),
        )

    def unpublish_view(self, request, object_id):
        obj = self._changeable(request, object_id)
        form = UnpublishForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.agreement_unpublish(
                    agreement=obj, user=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(
                    request,
                    f"{self._versioned(obj)} är avpublicerad och syns inte längre publikt.",
                    messages.SUCCESS,
                )
                return self._redirect_to(obj)
        return self._page(
            request, obj, "unpublish.html", title=f"Avpublicera: {self._versioned(obj)}", form=form
        )

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("Överenskommelsen finns inte.")
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        show_all = request.GET.get("alla") == "1"
        total, entries = agreement_history(agreement=obj, limit=None if show_all else 30)
        return self._page(
            request,
            obj,
            "history.html",
            title=f"Historik: {obj.title} – version {obj.version_number}",
            entries=entries,
            total=total,
            show_all=show_all,
            may_change=self.has_change_permission(request, obj),
        )

    def restore_view(self, request, object_id, revision_id):
        obj = self._changeable(request, object_id)
        try:
            revision = revision_of_agreement(agreement=obj, revision_id=revision_id)
        except Revision.DoesNotExist:
            raise Http404("Det läget finns inte i överenskommelsens historik.") from None
        history_url = reverse("admin:agreements_agreement_history", args=[obj.pk])
        if request.method == "POST":
            try:
                services.agreement_restore(
                    agreement=obj,
                    revision_id=revision.pk,
                    user=request.user,
                    restore_dates=request.POST.get("restore_dates") == "1",
                )
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(
                    request,
                    "Överenskommelsen är återställd. Läget före återställningen finns kvar i "
                    "historiken.",
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(history_url)
        plan = services.agreement_restore_plan(agreement=obj, revision=revision)
        return self._page(
            request,
            obj,
            "restore.html",
            title=f"Återställ: {self._versioned(obj)}",
            revision=revision,
            changes=plan.changes(),
            date_changes=plan.date_changes(),
            history_url=history_url,
        )

    # Actions ----------------------------------------------------------------------------

    def _editable_selection(self, request, queryset):
        editable = queryset.filter(pk__in=Agreement.objects.editable_by(request.user).values("pk"))
        refused = queryset.exclude(pk__in=editable.values("pk"))
        if refused.exists():
            self.message_user(
                request,
                "Du får bara ändra överenskommelser i ditt eget län. Hoppade över: "
                + ", ".join(str(a) for a in refused[:5]),
                messages.WARNING,
            )
        return list(editable)

    @admin.action(description="Publicera markerade överenskommelser", permissions=["change"])
    def publish_selected(self, request, queryset):
        selection = self._editable_selection(request, queryset)
        if len(selection) > services.PUBLISH_JOB_THRESHOLD:
            job = services.publish_job_start(agreements=selection, user=request.user)
            return HttpResponseRedirect(
                reverse("admin:agreements_agreement_publish_job", args=[job.pk])
            )
        outcome = services.agreements_publish(agreements=selection, user=request.user)
        for refusal in outcome.refusals:
            self.message_user(request, refusal, messages.ERROR)
        for agreement in outcome.published:
            self.message_user(request, f"{agreement} är publicerad.", messages.SUCCESS)
        return None

    @admin.action(description="Revidera markerade (ny version som utkast)", permissions=["change"])
    def revise_selected(self, request, queryset):
        for agreement in self._editable_selection(request, queryset):
            try:
                revised = services.agreement_revise(agreement=agreement, user=request.user)
            except ValidationError as error:
                self.message_user(
                    request,
                    f"{agreement} reviderades inte: {' '.join(error.messages)}",
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    format_html(
                        'Version {} av <a href="{}">{}</a> är skapad som utkast.',
                        revised.version_number,
                        reverse("admin:agreements_agreement_change", args=[revised.pk]),
                        revised.title,
                    ),
                    messages.SUCCESS,
                )

    @admin.action(description="Avpublicera markerade (med skäl)", permissions=["change"])
    def unpublish_selected(self, request, queryset):
        selected = self._editable_selection(request, queryset.filter(publication="published"))
        form = UnpublishForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            for agreement in selected:
                services.agreement_unpublish(
                    agreement=agreement, user=request.user, reason=form.cleaned_data["reason"]
                )
            self.message_user(
                request, f"{len(selected)} överenskommelser är avpublicerade.", messages.SUCCESS
            )
            return None
        if not selected:
            self.message_user(request, "Inga publicerade överenskommelser att avpublicera.")
            return None
        return self._page(
            request,
            None,
            "unpublish.html",
            title="Avpublicera markerade överenskommelser",
            form=form,
            selected=selected,
            action_checkbox_name=admin.helpers.ACTION_CHECKBOX_NAME,
        )

    # Bulk import ------------------------------------------------------------------------

    def import_template_view(self, request, file_format):
        if not self.has_add_permission(request):
            raise PermissionDenied
        if file_format == "csv":
            content, content_type = importing.template_csv(), "text/csv; charset=utf-8"
        elif file_format == "xlsx":
            content = importing.template_xlsx()
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            raise Http404("Mallen finns som csv och xlsx.")
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = (
            f'attachment; filename="overenskommelser-mall.{file_format}"'
        )
        return response

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        session_key = "agreement_import"
        form = ImportForm()
        plan = None
        if request.method == "POST" and "confirm" in request.POST:
            stored = request.session.get(session_key)
            content = (
                importing.previewed_file(user=request.user, token=stored["token"])
                if stored and stored.get("token") == request.POST.get("token")
                else None
            )
            if content is None:
                self.message_user(
                    request,
                    "Förhandsgranskningen har gått ut. Ladda upp filen igen.",
                    messages.ERROR,
                )
                return HttpResponseRedirect(request.path)
            if stored.get("agreements", 0) > importing.JOB_THRESHOLD:
                # The job checks the file again and saves it; the request only enqueues it.
                job = importing.import_job_start(
                    content=content,
                    filename=stored["name"],
                    user=request.user,
                    total=stored["agreements"],
                )
                del request.session[session_key]
                importing.previewed_file_forget(user=request.user, token=stored["token"])
                return HttpResponseRedirect(
                    reverse("admin:agreements_agreement_import_job", args=[job.pk])
                )
            plan = importing.import_preview(
                content=content, filename=stored["name"], user=request.user, trial=False
            )
            if plan.is_valid:
                try:
                    created = importing.agreements_import(plan=plan, user=request.user)
                except ValidationError:
                    pass  # the plan's errors say why, row by row
                else:
                    del request.session[session_key]
                    importing.previewed_file_forget(user=request.user, token=stored["token"])
                    self.message_user(
                        request,
                        f"{len(created)} överenskommelser är importerade som utkast.",
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse("admin:agreements_agreement_changelist")
                        + "?publication__exact=draft"
                    )
        elif request.method == "POST":
            form = ImportForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                if upload.size > importing.MAX_BYTES:
                    form.add_error("file", "Filen är större än 5 MB. Dela upp den i flera filer.")
                else:
                    content = upload.read()
                    plan = importing.import_preview(
                        content=content, filename=upload.name, user=request.user
                    )
                    if plan.is_valid:
                        importing.previewed_file_keep(
                            user=request.user, token=plan.token, content=content
                        )
                        request.session[session_key] = {
                            "token": plan.token,
                            "name": upload.name,
                            "agreements": len(plan.agreements),
                        }
        return self._page(
            request,
            None,
            "import.html",
            title="Importera överenskommelser",
            form=form,
            plan=plan,
            job_threshold=importing.JOB_THRESHOLD,
        )

    def _job_page(self, request, job_id, *, action, missing, template, title, **context):
        """A background job of the user's (an import or a publishing): how far it has come,
        refreshing itself until it is done."""
        job = ImportJob.objects.filter(pk=job_id, user=request.user, action=action).first()
        if job is None:
            raise Http404(missing)
        response = self._page(
            request,
            None,
            template,
            title=title(job),
            job=job,
            refresh_seconds=IMPORT_REFRESH_SECONDS,
            **context,
        )
        response["Cache-Control"] = "private, no-store"
        return response

    def import_job_view(self, request, job_id):
        """A big import being saved."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        return self._job_page(
            request,
            job_id,
            action=JobAction.IMPORT,
            missing="Importen finns inte.",
            template="import_job.html",
            title=lambda job: f"Import av {job.filename}",
            drafts_url=reverse("admin:agreements_agreement_changelist")
            + "?publication__exact=draft",
        )

    def publish_job_view(self, request, job_id):
        """Many agreements being published; when done, which were not published and why."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        return self._job_page(
            request,
            job_id,
            action=JobAction.PUBLISH,
            missing="Publiceringen finns inte.",
            template="publish_job.html",
            title=lambda job: "Publicering av markerade överenskommelser",
            published_url=reverse("admin:agreements_agreement_changelist")
            + "?publication__exact=published",
        )


class AgreementPartAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Parts of an agreement are searched here and edited on the agreement's page, where
    concurrent edits are detected and every change goes into the agreement's history."""

    agreement_path = "agreement"

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="överenskommelse", ordering="agreement__title")
    def agreement_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:agreements_agreement_change", args=[obj.agreement_id]),
            obj.agreement,
        )


@admin.register(AgreementLineage)
class AgreementLineageAdmin(admin.ModelAdmin):
    """Lineages are created with an agreement's first version and never change."""

    search_fields = ["slug", "versions__title"]
    list_display = ["slug", "created_at"]

    def get_queryset(self, request):
        visible = Agreement.objects.visible_to(request.user)
        return super().get_queryset(request).filter(versions__in=visible).distinct()

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Party)
class PartyAdmin(AgreementPartAdmin):
    list_display = ["organisation", "agreement_link", "role", "is_convener", "signatory_name"]
    list_filter = ["role", "is_convener", "organisation__kind", "agreement__county"]
    search_fields = ["organisation__name", "signatory_name", "agreement__title"]
    list_select_related = ["organisation", "agreement"]


@admin.register(Goal)
class GoalAdmin(AgreementPartAdmin):
    list_display = ["__str__", "agreement_link", "indicator", "target_value", "target_year"]
    search_fields = ["text", "indicator", "agreement__title"]
    list_select_related = ["agreement"]


@admin.register(AgreementSection)
class AgreementSectionAdmin(AgreementPartAdmin):
    list_display = ["heading", "agreement_link", "order"]
    search_fields = ["heading", "text", "agreement__title"]
    list_select_related = ["agreement"]


@admin.register(Attachment)
class AttachmentAdmin(AgreementPartAdmin):
    list_display = ["title", "agreement_link", "kind", "uploaded_at"]
    list_filter = ["kind"]
    search_fields = ["title", "extracted_text", "agreement__title"]
    list_select_related = ["agreement"]
    exclude = ["file"]
    readonly_fields = ["file_link", "extracted_text"]

    @admin.display(description="fil")
    def file_link(self, obj):
        return format_html('<a href="{}">Öppna PDF</a>', obj.get_absolute_url())


@admin.register(Perspective)
class PerspectiveAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(LegalReference)
class LegalReferenceAdmin(admin.ModelAdmin):
    list_display = ["sfs", "title"]
    search_fields = ["sfs", "title"]

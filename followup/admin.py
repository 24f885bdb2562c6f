"""The yearly follow-up in the admin: start (pre-filled from last year), record, complete,
reopen with a reason, and the list of agreements that lack last year's follow-up. The head
page holds the follow-up's own fields and lists its parts; each party's commitments and goals
are recorded on a page of their own (followup/admin_parts.py).

Every write goes through followup/services.py, which checks the user's scope again."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from actors.boundaries import county_id_in_year
from actors.filters import named_row
from actors.models import County
from agreements import policy
from agreements.admin import ScopedAdminMixin
from agreements.models import YEAR_VALIDATORS, Agreement, Level, Publication
from followup import selectors, services
from followup.admin_parts import FollowUpPartsViews, part_url
from followup.models import (
    FollowUp,
    FollowUpState,
    ReceptionFigure,
)


def _is_draft(followup) -> bool:
    return followup is None or followup.state == FollowUpState.DRAFT


class FollowUpForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        if (
            self.instance.pk
            and not FollowUp.objects.filter(pk=self.instance.pk, state=FollowUpState.DRAFT).exists()
        ):
            raise ValidationError(
                "Uppföljningen har avslutats medan du arbetade med den. Ladda om sidan; "
                "öppna den igen om något behöver ändras."
            )
        return cleaned


class FollowUpStartForm(forms.Form):
    agreement = forms.ModelChoiceField(
        label="Överenskommelse",
        queryset=Agreement.objects.none(),
        error_messages={
            "required": "Välj vilken överenskommelse som ska följas upp.",
            "invalid_choice": "Du kan bara följa upp överenskommelser i ditt eget län. Välj en "
            "av dem.",
        },
    )
    year = forms.IntegerField(
        label="År",
        validators=YEAR_VALIDATORS,
        help_text="Året som uppföljningen gäller, oftast förra året.",
        error_messages={
            "required": "Ange vilket år uppföljningen gäller.",
            "invalid": "Skriv året med fyra siffror, till exempel 2025.",
        },
    )

    def __init__(self, *args, user, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["agreement"]
        field.widget = AutocompleteSelect(FollowUp._meta.get_field("agreement"), admin_site)
        # Setting the queryset after the widget gives the widget its choices.
        field.queryset = Agreement.objects.editable_by(user).select_related("lineage")


class FollowUpReopenForm(forms.Form):
    reason = forms.CharField(
        label="Varför öppnas uppföljningen igen?",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="Sparas i uppföljningens historik, med ditt namn och tidpunkten.",
        error_messages={"required": "Skriv varför uppföljningen öppnas igen."},
    )


class MissingFilterForm(forms.Form):
    year = forms.IntegerField(label="År", validators=YEAR_VALIDATORS, required=False)
    county = forms.ModelChoiceField(
        label="Län",
        queryset=County.objects.order_by("code"),
        required=False,
        empty_label="Alla län jag får ändra",
    )


def _datetime(value) -> str:
    return formats.date_format(timezone.localtime(value), "j F Y H:i")


@admin.register(FollowUp)
class FollowUpAdmin(ScopedAdminMixin, admin.ModelAdmin):
    agreement_path = "agreement"
    form = FollowUpForm
    list_display = [
        "agreement",
        "year",
        "state",
        "progress",
        "held_on",
        "revision_recommended",
    ]
    list_filter = ["state", "year", "revision_recommended", "agreement__county"]
    search_fields = ["agreement__title", "summary", "conclusions"]
    autocomplete_fields = ["agreement", "responsible_organisation"]
    list_select_related = ["agreement"]
    change_form_template = "admin/followup/followup/change_form.html"
    change_list_template = "admin/followup/followup/change_list.html"
    fieldsets = [
        (None, {"fields": ["agreement", "year", "state", "completed_at"]}),
        (
            "Uppföljningen",
            {
                "fields": [
                    "held_on",
                    "method",
                    "responsible_organisation",
                    "summary",
                    "conclusions",
                    "revision_recommended",
                ]
            },
        ),
        ("Historik", {"fields": ["history"]}),
    ]
    base_readonly = ["agreement", "year", "state", "completed_at", "history"]

    # Reading -----------------------------------------------------------------------------

    def get_queryset(self, request):
        """Staff see their own counties' follow-ups and other counties' completed ones of
        published agreements; never another county's drafts."""
        queryset = super().get_queryset(request)
        editable = Agreement.objects.editable_by(request.user).values("pk")
        return queryset.filter(
            Q(agreement__in=editable)
            | Q(state=FollowUpState.COMPLETED, agreement__publication=Publication.PUBLISHED)
        ).annotate(
            assessed_count=Count("assessments", filter=~Q(assessments__status="")),
            assessment_count=Count("assessments"),
        )

    @admin.display(description="bedömda åtaganden")
    def progress(self, followup):
        return f"{followup.assessed_count} av {followup.assessment_count}"

    @admin.display(description="händelser")
    def history(self, followup):
        events = followup.events.select_related("actor") if followup.pk else []
        if not events:
            return "–"
        return format_html(
            "<ul class='followup-history'>{}</ul>",
            format_html_join(
                "",
                "<li>{} – {} av {}{}</li>",
                (
                    (
                        _datetime(event.at),
                        event.get_kind_display(),
                        event.actor_name or "okänd",
                        format_html(". Anledning: {}", event.reason) if event.reason else "",
                    )
                    for event in events
                ),
            ),
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not _is_draft(obj):
            return [*self.base_readonly, *FollowUpAdmin.fieldsets[1][1]["fields"]]
        return list(self.base_readonly)

    # Permissions --------------------------------------------------------------------------

    def has_change_permission(self, request, obj=None):
        """A completed follow-up is read-only; reopening it is a separate step."""
        return super().has_change_permission(request, obj) and _is_draft(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and _is_draft(obj)

    def may_reopen(self, request, obj) -> bool:
        return (
            obj is not None
            and obj.state == FollowUpState.COMPLETED
            and request.user.has_perm("followup.change_followup")
            and self._may_change(request, obj)
        )

    # Writing through the services ---------------------------------------------------------

    def save_model(self, request, obj, form, change):
        fields = [f for f in services.FOLLOWUP_EDITABLE_FIELDS if f in form.cleaned_data]
        services.followup_update(
            followup=obj,
            user=request.user,
            data={field: form.cleaned_data[field] for field in fields},
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        added = services.followup_items_ensure(followup=form.instance, user=request.user)
        if any(added):
            self.message_user(
                request,
                f"{added[0]} nya åtaganden och {added[1]} nya mål har lagts till i "
                "uppföljningen sedan den startades. Bedöm dem också.",
                messages.WARNING,
            )

    def response_change(self, request, obj):
        if "_complete" in request.POST:
            try:
                services.followup_complete(followup=obj, user=request.user)
            except ValidationError as error:
                for message in error.messages:
                    self.message_user(request, message, messages.ERROR)
                self.message_user(
                    request,
                    "Ändringarna är sparade, men uppföljningen är inte avslutad.",
                    messages.WARNING,
                )
            else:
                self.message_user(
                    request,
                    f"Uppföljningen {obj.year} är avslutad och kan inte längre ändras. "
                    + (
                        "Den visas nu på överenskommelsens publika sida."
                        if obj.agreement.is_published
                        else "Den blir publik när överenskommelsen publiceras."
                    ),
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = {"show_save_and_add_another": False, **(extra_context or {})}
        if object_id:
            obj = self.get_object(request, object_id)
            if obj is not None:
                extra_context["may_reopen"] = self.may_reopen(request, obj)
                extra_context["may_complete"] = self.has_change_permission(request, obj)
                extra_context["reopen_url"] = reverse(
                    "admin:followup_followup_reopen", args=[obj.pk]
                )
                if obj.agreement.level == Level.REGIONAL and policy.may_change_agreement(
                    request.user, obj.agreement
                ):
                    extra_context["reception_url"] = (
                        reverse("admin:followup_receptionfigure_county")
                        + "?"
                        + urlencode({"agreement": obj.agreement_id, "year": obj.year})
                    )
                    extra_context["reception_label"] = (
                        f"Mottagande {obj.year} i {obj.agreement.county}"
                    )
                if obj.state == FollowUpState.DRAFT:
                    extra_context["problems"] = services.followup_completion_problems(followup=obj)
                extra_context["parts"] = [
                    (part, part_url(obj, part.party))
                    for part in selectors.followup_parts(followup=obj)
                ]
        return super().changeform_view(request, object_id, form_url, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        url = reverse("admin:followup_followup_start")
        if request.GET:
            url = f"{url}?{request.GET.urlencode()}"
        return HttpResponseRedirect(url)

    # Own pages ----------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("starta/", view(self.start_view), name="followup_followup_start"),
            path("saknas/", view(self.missing_view), name="followup_followup_missing"),
            path("<int:pk>/oppna-igen/", view(self.reopen_view), name="followup_followup_reopen"),
            *FollowUpPartsViews(self).urls(),
            *super().get_urls(),
        ]

    def _context(self, request, title, **context):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            **context,
        }

    def start_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        last_year = timezone.localdate().year - 1
        if request.method == "POST":
            form = FollowUpStartForm(request.POST, user=request.user, admin_site=self.admin_site)
            if form.is_valid():
                try:
                    followup = services.followup_start(
                        agreement=form.cleaned_data["agreement"],
                        year=form.cleaned_data["year"],
                        user=request.user,
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                except PermissionDenied as error:
                    form.add_error("agreement", str(error))
                else:
                    previous = services.followup_previous(
                        agreement=followup.agreement, year=followup.year
                    )
                    note = (
                        f" Statusar och kommentarer är ifyllda från uppföljningen {previous.year}; "
                        "gå igenom och ändra det som gäller i år."
                        if previous
                        else " Det finns ingen tidigare avslutad uppföljning att utgå från."
                    )
                    self.message_user(
                        request,
                        f"Uppföljningen {followup.year} är startad med "
                        f"{followup.assessments.count()} åtaganden och "
                        f"{followup.goal_outcomes.count()} mål." + note,
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse("admin:followup_followup_change", args=[followup.pk])
                    )
        else:
            form = FollowUpStartForm(
                initial={
                    "agreement": request.GET.get("agreement"),
                    "year": request.GET.get("year") or last_year,
                },
                user=request.user,
                admin_site=self.admin_site,
            )
        return TemplateResponse(
            request,
            "admin/followup/followup/start.html",
            self._context(
                request, "Starta en uppföljning", form=form, media=self.media + form.media
            ),
        )

    def reopen_view(self, request, pk):
        followup = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.may_reopen(request, followup):
            raise PermissionDenied
        form = FollowUpReopenForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.followup_reopen(
                    followup=followup, user=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                form.add_error("reason", error.messages)
            else:
                self.message_user(
                    request,
                    f"Uppföljningen {followup.year} är öppen för ändringar igen. Anledningen "
                    "finns i historiken. Avsluta den när du är klar.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:followup_followup_change", args=[followup.pk])
                )
        return TemplateResponse(
            request,
            "admin/followup/followup/reopen.html",
            self._context(
                request,
                f"Öppna uppföljningen {followup.year} igen",
                form=form,
                original=followup,
            ),
        )

    def missing_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        last_year = timezone.localdate().year - 1
        form = MissingFilterForm(request.GET or None)
        year, county = last_year, None
        if form.is_bound and form.is_valid():
            year = form.cleaned_data["year"] or last_year
            county = form.cleaned_data["county"]
        form.fields["county"].queryset = policy.counties_for(request.user)
        rows = selectors.followup_missing(user=request.user, year=year, county=county)
        start_url = reverse("admin:followup_followup_start")
        items = [
            {
                "agreement": row.agreement,
                "agreement_url": reverse(
                    "admin:agreements_agreement_change", args=[row.agreement.pk]
                ),
                "draft": row.draft,
                "draft_url": reverse("admin:followup_followup_change", args=[row.draft.pk])
                if row.draft
                else "",
                "start_url": start_url
                + "?"
                + urlencode({"agreement": row.agreement.pk, "year": year}),
            }
            for row in rows
        ]
        return TemplateResponse(
            request,
            "admin/followup/followup/missing.html",
            self._context(
                request,
                f"Överenskommelser som saknar avslutad uppföljning för {year}",
                form=form,
                items=items,
                year=year,
                scope_is_empty=not policy.works_in_registry(request.user),
            ),
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "last_year": timezone.localdate().year - 1,
            "start_url": reverse("admin:followup_followup_start"),
            "missing_url": reverse("admin:followup_followup_missing"),
        }
        return super().changelist_view(request, extra_context)


class ReceptionChooserForm(forms.Form):
    """Which county and year the reception table shows."""

    county = forms.ModelChoiceField(
        label="Län", queryset=County.objects.none(), to_field_name="code", empty_label=None
    )
    year = forms.IntegerField(label="År", validators=YEAR_VALIDATORS)
    agreement = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = policy.counties_for(user).order_by("code")


class ReceptionRowForm(forms.Form):
    """One municipality's figures for the year. Empty: no figure."""

    NUMBER_ERRORS = {
        "invalid": "Skriv ett heltal.",
        "min_value": "Antalet kan inte vara negativt.",
    }

    agreed_number = forms.IntegerField(
        label="Antal enligt överenskommelse",
        required=False,
        min_value=0,
        error_messages=NUMBER_ERRORS,
        widget=forms.NumberInput(attrs={"min": 0, "class": "vIntegerField"}),
    )
    assigned_number = forms.IntegerField(
        label="Varav för anvisning",
        required=False,
        min_value=0,
        error_messages=NUMBER_ERRORS,
        widget=forms.NumberInput(attrs={"min": 0, "class": "vIntegerField"}),
    )

    def clean(self):
        data = super().clean()
        agreed, assigned = data.get("agreed_number"), data.get("assigned_number")
        if agreed is None and assigned is not None:
            self.add_error("agreed_number", "Ange antalet när du anger hur många som anvisas.")
        elif agreed is not None and assigned is not None and assigned > agreed:
            self.add_error(
                "assigned_number", "”Varav för anvisning” kan inte vara större än antalet."
            )
        return data


ReceptionFormSet = forms.formset_factory(ReceptionRowForm, extra=0)


@admin.register(ReceptionFigure)
class ReceptionFigureAdmin(admin.ModelAdmin):
    """Reception figures are public facts; staff change those of their own county."""

    list_display = ["municipality", "year", "agreed_number", "assigned_number", "source_agreement"]
    list_filter = ["year", "municipality__county"]
    search_fields = ["municipality__name", "municipality__code"]
    autocomplete_fields = ["municipality", "source_agreement"]
    list_select_related = ["municipality", "source_agreement"]

    def _may_change(self, request, obj) -> bool:
        """A figure is the county's that the municipality lay in in the figure's year."""
        if obj is None:
            return policy.works_in_registry(request.user)
        return policy.may_change_county(request.user, county_id_in_year(obj.municipality, obj.year))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_change(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_change(request, obj)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and policy.works_in_registry(request.user)

    def get_queryset(self, request):
        """Figures from drafts only for the staff who may change the draft."""
        queryset = super().get_queryset(request)
        return queryset.filter(
            Q(source_agreement__isnull=True)
            | Q(source_agreement__in=Agreement.objects.visible_to(request.user).values("pk"))
        )

    def save_model(self, request, obj, form, change):
        if not self._may_change(request, obj):
            raise PermissionDenied
        super().save_model(request, obj, form, change)

    # The county table ---------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "mottagande/",
                view(self.county_table_view),
                name="followup_receptionfigure_county",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "county_table_url": reverse("admin:followup_receptionfigure_county"),
        }
        return super().changelist_view(request, extra_context)

    def _table_params(self, request):
        """County, year and source agreement from the address: the user's first county and
        last year unless chosen; the county of the agreement when one is given."""
        counties = policy.counties_for(request.user).order_by("code")
        source = None
        agreement_pk = request.GET.get("agreement")
        if agreement_pk:
            source = get_object_or_404(
                Agreement.objects.visible_to(request.user).select_related("county"),
                pk=agreement_pk if agreement_pk.isdigit() else None,
                level=Level.REGIONAL,
            )
        named = request.GET.get("county")
        try:  # by code or slug, as everywhere
            county = named_row(County, named) if named else (source.county if source else None)
        except ValidationError:
            raise Http404(f"Det finns inget län som heter ”{named}”.") from None
        county = county or counties.first()
        if county is None or not policy.may_change_county(request.user, county.pk):
            raise PermissionDenied
        if source is not None and source.county_id != county.pk:
            source = None
        try:
            year = int(request.GET.get("year") or timezone.localdate().year - 1)
        except ValueError:
            year = timezone.localdate().year - 1
        if not 1990 <= year <= 2100:
            year = timezone.localdate().year - 1
        return county, year, source

    def county_table_view(self, request):
        if not policy.works_in_registry(request.user):
            raise PermissionDenied
        county, year, source = self._table_params(request)
        if source is not None and not policy.may_change_agreement(request.user, source):
            raise PermissionDenied
        table = selectors.reception_table(county=county, year=year, source=source)
        initial = [
            {
                "agreed_number": row.this_year.agreed_number if row.this_year else None,
                "assigned_number": row.this_year.assigned_number if row.this_year else None,
            }
            for row in table.rows
        ]
        formset = ReceptionFormSet(
            request.POST if request.method == "POST" else None, initial=initial, prefix="kommun"
        )
        if request.method == "POST":
            if formset.is_valid() and len(formset.forms) == len(table.rows):
                try:
                    saved, deleted = services.reception_figures_save(
                        county=county,
                        year=year,
                        source=source,
                        rows=[
                            {"municipality": row.municipality, **form.cleaned_data}
                            for row, form in zip(table.rows, formset.forms, strict=True)
                        ],
                        user=request.user,
                    )
                except ValidationError as error:
                    formset._non_form_errors = formset.error_class(error.messages)
                else:
                    self.message_user(
                        request,
                        f"Mottagandet {year} i {county} är sparat: {saved} ändrade, "
                        f"{deleted} borttagna.",
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(request.get_full_path())
            elif len(formset.forms) != len(table.rows):
                formset._non_form_errors = formset.error_class(
                    ["Kommunerna i länet har ändrats medan du skrev. Ladda om sidan."]
                )
        chooser = ReceptionChooserForm(
            initial={
                "county": county.code,
                "year": year,
                "agreement": source.pk if source else "",
            },
            user=request.user,
        )
        return TemplateResponse(
            request,
            "admin/followup/receptionfigure/county.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": f"Mottagande {year} i {county}",
                "table": table,
                "rows": list(zip(table.rows, formset.forms, strict=True))
                if len(formset.forms) == len(table.rows)
                else [],
                "formset": formset,
                "chooser": chooser,
                "source_url": reverse("admin:agreements_agreement_change", args=[source.pk])
                if source
                else "",
            },
        )

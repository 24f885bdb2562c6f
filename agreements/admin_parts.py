"""The agreement's parts, edited one page at a time under its admin address: the parties
(…/<id>/parter/), one party with its goals and commitments (…/<id>/parter/<party id>/), the
common goals (…/<id>/gemensamma-mal/) and a commitment copied from another agreement
(…/<id>/parter/<party id>/kopiera/). A big agreement's head page stays small, and a save
writes one part through agreements.services.agreement_part_apply: the document service, with
the head page's lock number and history."""

import re

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.forms.models import construct_instance
from django.forms.utils import flatatt
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from actors.document import ContactKey
from actors.models import ContactPerson, Organisation
from agreements import services
from agreements.document import GOAL, PARTY, ROWS
from agreements.forms import NormalisedTextMixin
from agreements.models import Agreement, Goal, Party
from commitments.document import COMMITMENT
from commitments.models import Commitment, TargetGroup, Theme
from registry.documents import DocumentError, clean_in_memory

PLACE = re.compile(r"^(?P<rows>\w+)\[(?P<index>\d+)\]\.?(?P<field>\w*)$")


# Forms: the fields of each part come from the document (agreements/document.py) ----------


class PartSelect(forms.Select):
    """A select written in one pass over its choices, without a template per option: a
    party's page has hundreds of options (every commitment chooses its party, contact person,
    themes, target groups and phase), the same HTML as Django's Select for flat choices."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(chosen) for chosen in self.format_value(value)}
        attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            attrs["multiple"] = True
        options = format_html_join(
            "\n",
            '<option value="{}"{}>{}</option>',
            (
                (choice, " selected" if str(choice) in selected else "", label)
                for choice, label in self.choices
            ),
        )
        return format_html('<select name="{}"{}>\n{}\n</select>', name, flatatt(attrs), options)


class PartSelectMultiple(PartSelect, forms.SelectMultiple):
    pass


class PartPageForm(forms.ModelForm):
    """The part pages' forms: their selects are PartSelects, and their rows are validated
    without a query (registry.documents.clean_in_memory): the writing service validates them
    again, and the database holds them to the constraints, whose rule the service names on
    the row's form. Django's model validation asked the database for every form's relation
    and constraints."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if type(field.widget) is forms.Select:
                field.widget = PartSelect(attrs=field.widget.attrs, choices=field.widget.choices)

    def _post_clean(self):
        try:
            self.instance = construct_instance(
                self, self.instance, self._meta.fields, self._meta.exclude
            )
        except ValidationError as error:
            self._update_errors(error)
        try:
            clean_in_memory(self.instance, exclude=self._get_validation_exclusions())
        except DocumentError as error:
            self._update_errors(
                ValidationError(
                    {name or NON_FIELD_ERRORS: messages for name, messages in error.errors.items()}
                )
            )


class LockForm(forms.Form):
    """The lock number the page was opened with."""

    opened_version = forms.IntegerField(widget=forms.HiddenInput)


class PartyForm(NormalisedTextMixin, PartPageForm):
    class Meta:
        model = Party
        fields = [name for name in PARTY.fields if name != "organisation"]


class NewPartyForm(NormalisedTextMixin, forms.ModelForm):
    class Meta:
        model = Party
        fields = list(PARTY.fields)

    def __init__(self, *args, agreement: Agreement, **kwargs):
        super().__init__(*args, **kwargs)
        taken = agreement.parties.values("organisation_id")
        organisations = Organisation.objects.exclude(pk__in=taken).order_by("name")
        self.fields["organisation"].queryset = organisations
        self.fields["organisation"].widget = forms.Select()
        self.fields["organisation"].choices = [("", "– välj organisation –")] + [
            (organisation.pk, organisation.name) for organisation in organisations
        ]


class LoadedChoiceField(forms.ModelChoiceField):
    """A choice among rows the page read once (`rows`, by primary key as text): checked
    without a query per form, as Django's field would make."""

    rows: dict | None = None

    def to_python(self, value):
        if self.rows is None or value in self.empty_values:
            return super().to_python(value)
        try:
            return self.rows[str(value)]
        except KeyError:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            ) from None


class LoadedMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several choices among rows the page read once; the cleaned value is a list of them."""

    rows: dict | None = None

    def _check_values(self, value):
        if self.rows is None:
            return super()._check_values(value)
        if not isinstance(value, list | tuple):
            raise ValidationError(self.error_messages["invalid_list"], code="invalid_list")
        missing = [item for item in value if str(item) not in self.rows]
        if missing:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": missing[0]},
            )
        return [self.rows[str(item)] for item in dict.fromkeys(value)]


class PartyChoicesMixin:
    """Choices read once per page, not once per form: the agreement's parties (choosing
    another moves the row there), contact people, vocabularies. A form's field declares them
    as a LoadedChoiceField or LoadedMultipleChoiceField in Meta.field_classes."""

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for name, (queryset, rows, options) in choices.items():
            if name in self.fields:
                self.fields[name].queryset = queryset
                self.fields[name].choices = options
                self.fields[name].rows = {str(row.pk): row for row in rows}


class GoalForm(PartyChoicesMixin, NormalisedTextMixin, PartPageForm):
    class Meta:
        model = Goal
        fields = list(GOAL.fields)
        field_classes = {"party": LoadedChoiceField}
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"party": "Tom: ett gemensamt mål. Välj en part för att flytta målet dit."}


class CommitmentForm(PartyChoicesMixin, NormalisedTextMixin, PartPageForm):
    """A commitment of the party page. Its party is a choice among the agreement's parties:
    choosing another moves the commitment there."""

    class Meta:
        model = Commitment
        fields = list(COMMITMENT.fields)
        field_classes = {
            "party": LoadedChoiceField,
            "responsible_contact": LoadedChoiceField,
            "themes": LoadedMultipleChoiceField,
            "target_groups": LoadedMultipleChoiceField,
        }
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3}),
            "activity_how": forms.Textarea(attrs={"rows": 2}),
            "activity_when": forms.Textarea(attrs={"rows": 2}),
            "activity_followup": forms.Textarea(attrs={"rows": 2}),
            "themes": PartSelectMultiple(attrs={"size": 4}),
            "target_groups": PartSelectMultiple(attrs={"size": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].required = True


def _formset(form, list_name: str):
    """One empty row for a new one; at most the document's limit of rows."""
    rows = next(rows for rows in ROWS if rows.name == list_name)
    formset = forms.formset_factory(
        form, extra=1, can_delete=True, max_num=rows.limit, validate_max=True
    )
    errors = {**formset.default_error_messages, "too_many_forms": rows.limit_message()}
    return type(formset.__name__, (formset,), {"default_error_messages": errors})


GoalFormSet = _formset(GoalForm, "goals")
CommitmentFormSet = _formset(CommitmentForm, "commitments")


# Between a form and the document's rows ----------------------------------------------------


def _row_values(form, part) -> dict:
    """The form's cleaned values as the document writes them (relations by natural key)."""
    values = {}
    for name in form.fields:
        if name not in part.fields:
            continue
        value = form.cleaned_data.get(name)
        key = part.keys.get(name)
        if name == "party":
            value = value.organisation.slug if value else None
        elif isinstance(key, ContactKey):
            value = key.dump(value, many=False)
        elif key is not None and part.is_many(name):
            value = sorted(getattr(item, key.attribute) for item in value or [])
        elif key is not None:
            value = key.dump(value, many=False) if value is not None else None
        values[name] = value
    return values


def _initial(instance, part, names) -> dict:
    initial = {}
    for name in names:
        if part.is_many(name):
            initial[name] = [item.pk for item in getattr(instance, name).all()]
        elif part.model_field(name).many_to_one:
            initial[name] = getattr(instance, part.model_field(name).attname)
        else:
            initial[name] = getattr(instance, name)
    return initial


class PartsViews:
    """The part pages of AgreementAdmin (agreements/admin.py), inside its permissions."""

    def __init__(self, model_admin):
        self.model_admin = model_admin
        self.admin_site = model_admin.admin_site

    def urls(self, prefix: str) -> list:
        def wrap(view):
            return self.admin_site.admin_view(view)

        return [
            path("<path:object_id>/parter/", wrap(self.parties_view), name=f"{prefix}_parties"),
            path(
                "<path:object_id>/parter/<int:party_id>/",
                wrap(self.party_view),
                name=f"{prefix}_party",
            ),
            path(
                "<path:object_id>/parter/<int:party_id>/kopiera/",
                wrap(self.copy_view),
                name=f"{prefix}_commitment_copy",
            ),
            path(
                "<path:object_id>/gemensamma-mal/",
                wrap(self.common_goals_view),
                name=f"{prefix}_common_goals",
            ),
        ]

    # Shared --------------------------------------------------------------------------------

    def _agreement(self, request, object_id) -> Agreement:
        """The agreement if the user may change it: 404 if they may not see it, 403 if they
        may see but not change it (the head page's rules)."""
        agreement = self.model_admin.get_object(request, unquote(object_id))
        if agreement is None:
            raise Http404("Överenskommelsen finns inte.")
        if not self.model_admin.has_change_permission(request, agreement):
            raise PermissionDenied
        return agreement

    def _render(self, request, agreement, template, **context):
        return self.model_admin._page(
            request,
            agreement,
            f"parts/{template}",
            parties_url=reverse("admin:agreements_agreement_parties", args=[agreement.pk]),
            common_goals_url=reverse(
                "admin:agreements_agreement_common_goals", args=[agreement.pk]
            ),
            **context,
        )

    def _save(self, request, agreement, *, lock, change, comment, place_errors, success):
        """Write through the document service; errors go back onto the page's forms.
        Returns a redirect, or None when nothing was saved."""
        try:
            services.agreement_part_apply(
                agreement=agreement,
                user=request.user,
                opened_version=lock.cleaned_data["opened_version"],
                change=change,
                comment=comment,
            )
        except services.StalePart as error:
            messages.error(request, " ".join(error.messages))
            return None
        except DocumentError as error:
            for place, errors in error.errors.items():
                place_errors(place, errors)
            return None
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return None
        messages.success(request, success)
        return HttpResponseRedirect(request.get_full_path())

    # The list of parties, and a new party ---------------------------------------------------

    def parties_view(self, request, object_id):
        agreement = self._agreement(request, object_id)
        lock = LockForm(request.POST or None, initial={"opened_version": agreement.lock_version})
        form = NewPartyForm(request.POST or None, agreement=agreement)
        if request.method == "POST" and lock.is_valid() and form.is_valid():
            organisation = form.cleaned_data["organisation"]
            values = _row_values(form, PARTY)

            def add(document):
                document["parties"].append(values)

            def place_errors(place, errors):
                match = PLACE.match(place)
                field = match["field"] if match else ""
                form.add_error(field if field in form.fields else None, errors)

            saved = self._save(
                request,
                agreement,
                lock=lock,
                change=add,
                comment=f"Part tillagd: {organisation}.",
                place_errors=place_errors,
                success=f"{organisation} är tillagd som part.",
            )
            if saved is not None:
                party = agreement.parties.get(organisation=organisation)
                return HttpResponseRedirect(
                    reverse("admin:agreements_agreement_party", args=[agreement.pk, party.pk])
                )
        return self._render(
            request,
            agreement,
            "parties.html",
            title=f"Parter: {self.model_admin._versioned(agreement)}",
            parties=parties_with_counts(agreement),
            common_goal_count=common_goal_count(agreement),
            form=form,
            lock=lock,
        )

    # One party with its goals and commitments ----------------------------------------------

    def _party(self, agreement, party_id) -> Party:
        return get_object_or_404(
            Party.objects.select_related("organisation"), agreement=agreement, pk=party_id
        )

    def _choices(self, agreement) -> dict:
        parties = list(agreement.parties.select_related("organisation").order_by("order", "id"))
        organisations = [party.organisation_id for party in parties]
        contacts = list(
            ContactPerson.objects.filter(organisation_id__in=organisations)
            .select_related("organisation")
            .order_by("organisation__name", "name")
        )
        themes, groups = list(Theme.objects.all()), list(TargetGroup.objects.all())
        return {  # name: (queryset, its rows as read, options)
            "party": (
                Party.objects.filter(agreement=agreement),
                parties,
                [("", "---------")] + [(party.pk, str(party.organisation)) for party in parties],
            ),
            "responsible_contact": (
                ContactPerson.objects.filter(organisation_id__in=organisations),
                contacts,
                [("", "---------")]
                + [(c.pk, f"{c.name or c.email} ({c.organisation})") for c in contacts],
            ),
            "themes": (Theme.objects.all(), themes, [(t.pk, str(t)) for t in themes]),
            "target_groups": (
                TargetGroup.objects.all(),
                groups,
                [(g.pk, str(g)) for g in groups],
            ),
        }

    def party_view(self, request, object_id, party_id):
        agreement = self._agreement(request, object_id)
        party = self._party(agreement, party_id)
        goals = list(Goal.objects.filter(agreement=agreement, party=party).order_by("order", "id"))
        commitments = list(
            Commitment.objects.filter(agreement=agreement, party=party)
            .select_related("responsible_contact")
            .prefetch_related("themes", "target_groups")
            .order_by("order", "id")
        )
        choices = self._choices(agreement)
        data = request.POST if request.method == "POST" else None
        lock = LockForm(data, initial={"opened_version": agreement.lock_version})
        party_form = PartyForm(data, instance=party, prefix="part")
        goal_formset = GoalFormSet(
            data,
            prefix="mal",
            initial=[_initial(goal, GOAL, GoalForm._meta.fields) for goal in goals],
            form_kwargs={"choices": choices},
        )
        for form in goal_formset.extra_forms:  # an empty party makes a new goal this party's
            form.fields["party"].help_text = (
                f"Tom: målet läggs på {party.organisation}. "
                "Välj en annan part för att lägga det där."
            )
        commitment_formset = CommitmentFormSet(
            data,
            prefix="atagande",
            initial=[
                _initial(commitment, COMMITMENT, CommitmentForm._meta.fields)
                for commitment in commitments
            ],
            form_kwargs={"choices": choices},
        )
        if data is not None:
            response = self._party_save(
                request, agreement, party, lock, party_form, goal_formset, commitment_formset
            )
            if response is not None:
                return response
        return self._render(
            request,
            agreement,
            "party.html",
            title=f"{party.organisation}: {self.model_admin._versioned(agreement)}",
            party=party,
            lock=lock,
            party_form=party_form,
            goal_formset=goal_formset,
            commitment_formset=commitment_formset,
            copy_url=reverse(
                "admin:agreements_agreement_commitment_copy", args=[agreement.pk, party.pk]
            ),
        )

    def _party_save(self, request, agreement, party, lock, party_form, goal_formset, formset):
        valid = all(
            [lock.is_valid(), party_form.is_valid(), goal_formset.is_valid(), formset.is_valid()]
        )
        if not valid:  # the page says so above its forms
            return None
        slug = party.organisation.slug
        edits = {
            "goals": _edits(goal_formset, GOAL, party=slug),
            "commitments": _edits(formset, COMMITMENT),
        }
        placed: dict[tuple[str, int], forms.Form] = {}

        def change(document):
            for index, row in enumerate(document["parties"]):
                if row["organisation"] == slug:
                    row.update(_row_values(party_form, PARTY))
                    placed[("parties", index)] = party_form
            for name, (existing, new) in edits.items():
                rows = document[name]
                mine = [index for index, row in enumerate(rows) if row.get("party") == slug]
                forms_of = _apply_edits(rows, mine, existing)
                if name == "commitments":
                    _move(rows, mine, request.POST.get("flytta", ""))
                for form, values in new:
                    rows.append(values)
                    forms_of[id(values)] = form
                document[name] = [row for row in rows if row is not None]
                for index, row in enumerate(document[name]):
                    if id(row) in forms_of:
                        placed[(name, index)] = forms_of[id(row)]

        def place_errors(place, errors):
            match = PLACE.match(place)
            form = placed.get((match["rows"], int(match["index"]))) if match else None
            field = match["field"] if match else ""
            form = form or party_form
            form.add_error(field if field in form.fields else None, errors)

        return self._save(
            request,
            agreement,
            lock=lock,
            change=change,
            comment=f"Parten {party.organisation} med mål och åtaganden ändrad.",
            place_errors=place_errors,
            success=f"{party.organisation} är sparad.",
        )

    # The common goals --------------------------------------------------------------------

    def common_goals_view(self, request, object_id):
        agreement = self._agreement(request, object_id)
        goals = list(Goal.objects.filter(agreement=agreement, party=None).order_by("order", "id"))
        data = request.POST if request.method == "POST" else None
        lock = LockForm(data, initial={"opened_version": agreement.lock_version})
        formset = GoalFormSet(
            data,
            prefix="mal",
            initial=[_initial(goal, GOAL, GoalForm._meta.fields) for goal in goals],
            form_kwargs={"choices": self._choices(agreement)},
        )
        if data is not None and lock.is_valid() and formset.is_valid():
            existing, new = _edits(formset, GOAL, party=None)

            def change(document):
                rows = document["goals"]
                mine = [index for index, row in enumerate(rows) if not row.get("party")]
                _apply_edits(rows, mine, existing)
                rows.extend(values for _, values in new)
                document["goals"] = [row for row in rows if row is not None]

            def place_errors(place, errors):
                formset._non_form_errors = formset.error_class(
                    [*formset.non_form_errors(), *errors]
                )

            response = self._save(
                request,
                agreement,
                lock=lock,
                change=change,
                comment="Gemensamma mål ändrade.",
                place_errors=place_errors,
                success="De gemensamma målen är sparade.",
            )
            if response is not None:
                return response
        return self._render(
            request,
            agreement,
            "common_goals.html",
            title=f"Gemensamma mål: {self.model_admin._versioned(agreement)}",
            lock=lock,
            goal_formset=formset,
        )

    # A commitment copied from another agreement ---------------------------------------------

    def copy_view(self, request, object_id, party_id):
        agreement = self._agreement(request, object_id)
        party = self._party(agreement, party_id)
        readable = Agreement.objects.visible_to(request.user).exclude(pk=agreement.pk)
        query = request.GET.get("q", "").strip()[:200]
        found = []
        if query:
            found = list(
                readable.filter(Q(title__icontains=query) | Q(alias__icontains=query))
                .select_related("county")
                .order_by("title", "-version_number")[:20]
            )
        source = None
        source_id = request.GET.get("kalla", "")
        if source_id:
            source = get_object_or_404(readable, pk=source_id if source_id.isdigit() else None)
        lock = LockForm(request.POST or None, initial={"opened_version": agreement.lock_version})
        error = ""
        if request.method == "POST" and source is not None:
            chosen = request.POST.get("atagande", "")
            commitment = (
                Commitment.objects.filter(agreement=source, pk=chosen).first()
                if chosen.isdigit()
                else None
            )
            if commitment is None or not lock.is_valid():
                error = "Välj ett av åtagandena i listan."
            else:
                values = COMMITMENT.dump(commitment)
                # A person of another organisation is not this party's contact.
                values.update(party=party.organisation.slug, responsible_contact=None)

                def copy(document):
                    document["commitments"].append(values)

                def place_errors(place, errors):
                    nonlocal error
                    error = " ".join([error, *errors]).strip()

                response = self._save(
                    request,
                    agreement,
                    lock=lock,
                    change=copy,
                    comment=f"Åtagande kopierat från {source}.",
                    place_errors=place_errors,
                    success=f"Åtagandet är kopierat till {party.organisation}. Ändra det så att "
                    "det passar den här överenskommelsen.",
                )
                if response is not None:
                    return HttpResponseRedirect(
                        reverse("admin:agreements_agreement_party", args=[agreement.pk, party.pk])
                    )
        source_commitments = (
            list(
                Commitment.objects.filter(agreement=source)
                .select_related("party__organisation")
                .order_by("order", "id")
            )
            if source is not None
            else []
        )
        return self._render(
            request,
            agreement,
            "copy.html",
            title=f"Kopiera ett åtagande till {party.organisation}",
            party=party,
            query=query,
            found=found,
            source=source,
            source_commitments=source_commitments,
            lock=lock,
            error=error,
            party_url=reverse("admin:agreements_agreement_party", args=[agreement.pk, party.pk]),
        )


def _edits(formset, part, **fixed) -> tuple[list, list]:
    """The formset's rows as document values: (existing rows in order as (form, values or
    None for a deleted row), new rows with content as (form, values)). `fixed`: values a new
    row gets where it leaves them empty (a new goal on a party's page is the party's)."""
    existing, new = [], []
    for form in formset.initial_forms:
        deleted = formset._should_delete_form(form)
        existing.append((form, None if deleted else _row_values(form, part)))
    for form in formset.extra_forms:
        if form.has_changed() and not formset._should_delete_form(form):
            values = _row_values(form, part)
            new.append((form, {**values, **{k: v for k, v in fixed.items() if not values.get(k)}}))
    return existing, new


def _apply_edits(rows: list, mine: list[int], existing: list) -> dict:
    """Write the page's existing rows over the document's rows at `mine` (None: deleted).
    Returns the forms by the id of the row they wrote, for placing errors."""
    if len(existing) != len(mine):
        # The page listed other rows than the agreement has: it was opened before a change.
        raise services.StalePart(services.STALE_PART_MESSAGE, code="stale")
    forms_of = {}
    for (form, values), index in zip(existing, mine, strict=True):
        if values is None:
            rows[index] = None
        else:
            rows[index] = {**rows[index], **values}
            forms_of[id(rows[index])] = form
    return forms_of


def _move(part_rows: list, mine: list[int], move: str) -> None:
    """Swap the party's commitment number `k` ("upp-k", "ner-k") with its neighbour: their
    places in the agreement's order change, nothing else."""
    direction, _, number = move.partition("-")
    if not number.isdigit() or direction not in ("upp", "ner"):
        return
    position = int(number)
    other = position - 1 if direction == "upp" else position + 1
    if not (0 <= position < len(mine) and 0 <= other < len(mine)):
        return
    a, b = mine[position], mine[other]
    part_rows[a], part_rows[b] = part_rows[b], part_rows[a]


def common_goal_count(agreement: Agreement) -> int:
    """How many goals the agreement has in common, not of one party."""
    return agreement.goals.filter(party=None).count()


def parties_with_counts(agreement: Agreement) -> list[Party]:
    """The agreement's parties with how many goals and commitments each has: one query."""
    return list(
        agreement.parties.select_related("organisation")
        .annotate(
            goal_count=Count("goals", distinct=True),
            commitment_count=Count("commitments", distinct=True),
        )
        .order_by("order", "id")
    )

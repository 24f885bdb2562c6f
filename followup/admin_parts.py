"""A follow-up's parts, recorded one page at a time under its admin address, as the agreement's
parts are edited (agreements/admin_parts.py): one party's commitments and goals
(…/<id>/parter/<party id>/) and the common goals (…/<id>/gemensamma-mal/). The head page
keeps the follow-up's own fields and lists the parts; a big agreement's follow-up is no longer
one page of every commitment. A save records only the rows the person changed on the page,
through followup.services.followup_record."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from agreements import policy
from agreements.admin_parts import LoadedChoiceField, PartPageForm
from agreements.models import Party
from followup import selectors, services
from followup.models import CommitmentAssessment, FollowUp, FollowUpState, GoalOutcome

STALE_ROWS_MESSAGE = (
    "Överenskommelsens åtaganden eller mål har ändrats medan du hade sidan öppen, så inget är "
    "sparat. Öppna sidan igen och gör om dina ändringar."
)


class RecordedForm(PartPageForm):
    """A row as the page showed it: each field carries the value it had when the page was
    opened, so that only what the person changed is recorded (a row someone else recorded
    meanwhile and this person left alone keeps their value)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.show_hidden_initial = True


class AssessmentForm(RecordedForm):
    class Meta:
        model = CommitmentAssessment
        fields = ["status", "comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"status": ""}  # said once, above the page's commitments


class GoalOutcomeForm(RecordedForm):
    class Meta:
        model = GoalOutcome
        fields = ["value", "achieved", "comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 2})}
        localized_fields = ["value"]  # 12,5 as Swedish writes it


class ReadRowsFormSet(forms.BaseModelFormSet):
    """The rows the page read, and only those: each form's row is found among them without a
    query (Django checks every id against the whole table), and an id that is not among them
    (a row removed meanwhile, another party's) is an error on the form, not a new row."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        name = self._pk_field.name
        field = LoadedChoiceField(
            queryset=form.fields[name].queryset,
            initial=form.fields[name].initial,
            widget=form.fields[name].widget,
        )
        field.rows = {str(row.pk): row for row in self.get_queryset()}
        form.fields[name] = field


AssessmentFormSet = forms.modelformset_factory(
    CommitmentAssessment, form=AssessmentForm, formset=ReadRowsFormSet, extra=0, edit_only=True
)
GoalOutcomeFormSet = forms.modelformset_factory(
    GoalOutcome, form=GoalOutcomeForm, formset=ReadRowsFormSet, extra=0, edit_only=True
)


def _changed(formset) -> list:
    return [form for form in formset.forms if form.has_changed()]


def _stale(formset) -> bool:
    """A row the page listed is no longer the party's (the agreement changed meanwhile)."""
    return any(form.errors.get("id") for form in formset.forms) or bool(formset.non_form_errors())


class FollowUpPartsViews:
    """The part pages of FollowUpAdmin (followup/admin.py), inside its permissions: whoever
    may see the follow-up reads them; they record only in a draft of one's own county."""

    def __init__(self, model_admin):
        self.model_admin = model_admin
        self.admin_site = model_admin.admin_site

    def urls(self) -> list:
        def wrap(view):
            return self.admin_site.admin_view(view)

        return [
            path(
                "<int:pk>/parter/<int:party_id>/",
                wrap(self.party_view),
                name="followup_followup_party",
            ),
            path(
                "<int:pk>/gemensamma-mal/",
                wrap(self.common_goals_view),
                name="followup_followup_common_goals",
            ),
        ]

    def _followup(self, request, pk) -> FollowUp:
        """The follow-up if the user may see it (404 otherwise, as the head page)."""
        followup = (
            self.model_admin.get_queryset(request)
            .select_related("agreement__lineage")
            .filter(pk=pk)
            .first()
        )
        if followup is None:
            raise Http404("Uppföljningen finns inte.")
        return followup

    def party_view(self, request, pk, party_id):
        followup = self._followup(request, pk)
        party = get_object_or_404(
            Party.objects.select_related("organisation"),
            agreement_id=followup.agreement_id,
            pk=party_id,
        )
        return self._page(request, followup, party, title=str(party.organisation))

    def common_goals_view(self, request, pk):
        followup = self._followup(request, pk)
        return self._page(request, followup, None, title="Gemensamma mål")

    def _page(self, request, followup, party, *, title):
        may_change = policy.may_change_agreement(request.user, followup.agreement)
        may_record = may_change and followup.state == FollowUpState.DRAFT
        if request.method == "POST" and not may_change:
            raise PermissionDenied
        assessments, outcomes = selectors.followup_party_items(followup=followup, party=party)
        data = request.POST if request.method == "POST" else None
        assessment_formset = AssessmentFormSet(data, queryset=assessments, prefix="bedomning")
        outcome_formset = GoalOutcomeFormSet(data, queryset=outcomes, prefix="utfall")
        error = ""
        if data is not None:
            saved = self._save(request, followup, assessment_formset, outcome_formset)
            if isinstance(saved, str):
                error = saved
            else:
                messages.success(request, _saved_message(title, saved))
                return HttpResponseRedirect(request.get_full_path())
        return TemplateResponse(
            request,
            "admin/followup/followup/part.html",
            {
                **self.admin_site.each_context(request),
                "opts": FollowUp._meta,
                "original": followup,
                "title": f"{title}: uppföljning {followup.year}",
                "part_title": title,
                "party": party,
                "may_record": may_record,
                "status_help": CommitmentAssessment._meta.get_field("status").help_text,
                "assessment_formset": assessment_formset,
                "outcome_formset": outcome_formset,
                "error": error,
                "change_url": reverse("admin:followup_followup_change", args=[followup.pk]),
                **_neighbours(followup, party),
            },
        )

    def _save(self, request, followup, assessment_formset, outcome_formset) -> int | str:
        """The number of rows recorded, or what the page should say instead."""
        valid = assessment_formset.is_valid() & outcome_formset.is_valid()
        if _stale(assessment_formset) or _stale(outcome_formset):
            return STALE_ROWS_MESSAGE
        if not valid:
            return "Rätta felen nedan. Inget har sparats."
        assessments = [
            (form.instance, form.cleaned_data["status"], form.cleaned_data["comment"])
            for form in _changed(assessment_formset)
        ]
        outcomes = [
            (
                form.instance,
                form.cleaned_data["value"],
                form.cleaned_data["achieved"],
                form.cleaned_data["comment"],
            )
            for form in _changed(outcome_formset)
        ]
        try:
            services.followup_record(
                followup=followup, user=request.user, assessments=assessments, outcomes=outcomes
            )
        except ValidationError as error:
            return " ".join(error.messages)
        return len(assessments) + len(outcomes)


def part_url(followup: FollowUp, party: Party | None) -> str:
    if party is None:
        return reverse("admin:followup_followup_common_goals", args=[followup.pk])
    return reverse("admin:followup_followup_party", args=[followup.pk, party.pk])


def _neighbours(followup: FollowUp, party: Party | None) -> dict:
    """The parts before and after this one, for going through them in order."""
    parts = selectors.followup_parts(followup=followup)
    index = next(i for i, part in enumerate(parts) if part.party == party)
    before = parts[index - 1] if index > 0 else None
    after = parts[index + 1] if index + 1 < len(parts) else None
    return {
        "previous_part": before and (_part_name(before), part_url(followup, before.party)),
        "next_part": after and (_part_name(after), part_url(followup, after.party)),
    }


def _part_name(part: selectors.FollowUpPart) -> str:
    return str(part.party.organisation) if part.party is not None else "Gemensamma mål"


def _saved_message(title: str, rows: int) -> str:
    if not rows:
        return f"{title}: inget var ändrat, så inget har sparats."
    return f"{title}: {rows} {'rad sparad' if rows == 1 else 'rader sparade'}."

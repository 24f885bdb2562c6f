"""Test helpers for the follow-up's staff pages: a part page's forms as a browser posts them."""

from django.urls import reverse


def followup_change_url(followup) -> str:
    return reverse("admin:followup_followup_change", args=[followup.pk])


def followup_part_url(followup, party=None) -> str:
    if party is None:
        return reverse("admin:followup_followup_common_goals", args=[followup.pk])
    return reverse("admin:followup_followup_party", args=[followup.pk, party.pk])


def followup_part_data(response, **changes) -> dict:
    """What a follow-up's part page posts back: every row as shown, with the values the page
    was opened with beside them (the hidden initial fields), then `changes`."""
    data = {}
    for formset in (response.context["assessment_formset"], response.context["outcome_formset"]):
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = str(management[name].value())
        for form in formset.forms:
            for name, field in form.fields.items():
                bound = form[name]
                value = bound.value()
                data[bound.html_name] = "" if value is None else str(value)
                if field.show_hidden_initial:
                    shown = field.hidden_widget().format_value(bound.initial)
                    data[bound.html_initial_name] = "" if shown is None else shown
    data.update(changes)
    return data

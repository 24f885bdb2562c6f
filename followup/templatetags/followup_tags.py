from django import template

from followup.selectors import followup_list_public
from followup.statistics import agreement_checklist as checklist_of

register = template.Library()


@register.simple_tag
def agreement_followups(agreement):
    """The completed follow-ups of a published agreement (all its versions), for its page."""
    if not agreement.is_published:
        return []
    return followup_list_public(agreement=agreement)


@register.simple_tag
def agreement_checklist(agreement):
    """What the agreement contains, by the criteria of the content statistics."""
    return checklist_of(agreement=agreement)

from django import template

from agreements.staff_selectors import staff_overview

register = template.Library()


@register.inclusion_tag("admin/includes/staff_overview.html", takes_context=True)
def staff_start_page(context):
    user = context["request"].user
    return {"overview": staff_overview(user=user), "user": user}

"""Small template helpers for the public pages."""

from django import template
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def url_if_exists(name, *args, **kwargs):
    """The URL if the name reverses, else an empty string: for pages another part of the
    registry provides (the PDF views), so that a link is shown only when its page exists."""
    try:
        return reverse(name, args=args, kwargs=kwargs)
    except NoReverseMatch:
        return ""


@register.simple_tag(takes_context=True)
def optional_include(context, template_name):
    """Render the template with the current context if it exists, else nothing."""
    try:
        included = get_template(template_name)
    except template.TemplateDoesNotExist:
        return ""
    return mark_safe(included.render(context.flatten(), context.get("request")))


@register.simple_tag(takes_context=True)
def language_url(context, language):
    """The current page in another language (Swedish has no prefix, English /en/)."""
    request = context.get("request")
    if request is None:
        return f"/{language}/" if language != "sv" else "/"
    return translate_url(request.get_full_path(), language)


@register.simple_tag(takes_context=True)
def absolute_url(context, path=None):
    request = context["request"]
    return request.build_absolute_uri(path if path is not None else request.path)


@register.simple_tag
def facet_options(facet_name, values):
    """A facet's checkboxes. Built here rather than in a template loop: the catalogue shows
    a few hundred of them, and the template engine made them a third of the page's time.
    Each text is escaped once (format_html's lazy-string checks cost more than the rest)."""
    name = escape(facet_name)
    rows = []
    for item in values:
        input_id = escape(item.input_id)
        checked = " checked" if item.selected else ""
        rows.append(
            f'<li><input type="checkbox" name="{name}" value="{escape(item.value)}" '
            f'id="{input_id}"{checked}> <label for="{input_id}">{escape(item.label)} '
            f'<span class="count">({number_format(item.count)})</span></label></li>'
        )
    return mark_safe("".join(rows))  # every text above is escaped

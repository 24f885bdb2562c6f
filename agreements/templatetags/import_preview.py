"""The import preview's agreements (templates/admin/agreements/agreement/import.html)."""

from html import escape

from django import template
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

register = template.Library()

# One agreement of the file as the preview shows it. Written here rather than in the template,
# every value escaped by the standard library: a file of 1,000 agreements is 1,000 of these
# with 10,000 parties, and Django's template nodes and format_html for them were most of the
# page's time (0.5 of 1.0 billion instructions in the upload request without its checks).
AGREEMENT = """<section class="import-agreement">
  <h4>{title}</h4>
  <dl>
    <dt>Adressnamn</dt><dd>{slug} (rad {rows})</dd>
    <dt>Län</dt><dd>{county}</dd>
    <dt>Kommuner</dt><dd>{municipalities}</dd>
    <dt>Undertecknad</dt><dd>{signed}</dd>
    <dt>Gäller</dt><dd>{validity}</dd>
    {links}<dt>Åtaganden</dt><dd>{commitments}</dd>
  </dl>
  <h5>Parter</h5>
  <ul class="import-parties">{parties}</ul>
  {warnings}{problems}
</section>
"""
LINK = "<dt>{label}</dt><dd>{slug}</dd>"
PARTY = "<li>{party}{new}</li>"
NEW = " <strong>(ny)</strong>"
WARNINGS = '<ul class="import-warnings">{items}</ul>'
PROBLEMS = """<div class="import-notice">
    <p>Sparas som utkast som ännu inte kan publiceras:</p>
    <ul>{items}</ul>
  </div>"""


def _items(texts) -> str:
    return "".join(f"<li>{escape(str(text))}</li>" for text in texts)


def _section(planned) -> str:
    warnings = [warning.message for warning in planned.warnings]
    problems = planned.publication_problems
    return AGREEMENT.format(
        title=escape(planned.title or planned.slug),
        slug=escape(planned.slug),
        rows=planned.row_span,
        county=escape(planned.county_name or "–"),
        municipalities=escape(", ".join(planned.municipality_names) or "–"),
        signed=escape(planned.signed_as_written),
        validity=escape(planned.validity_as_written),
        links="".join(
            LINK.format(label=escape(capfirst(label)), slug=escape(slug))
            for label, slug in planned.links
        ),
        commitments=len(planned.commitments),
        parties="\n".join(
            PARTY.format(party=escape(str(party)), new=NEW if party.is_new else "")
            for party in planned.parties.values()
        ),
        warnings=WARNINGS.format(items=_items(warnings)) if warnings else "",
        problems=PROBLEMS.format(items=_items(problems)) if problems else "",
    )


@register.filter
def agreement_sections(agreements):
    """The planned agreements (importing.PlannedAgreement), each with its dates, place,
    links, parties with their roles (a new organisation marked), warnings and what it would
    lack to be published."""
    return mark_safe("".join(_section(planned) for planned in agreements))

"""A new version of an agreement for tests and demonstrations: a copy with all its parts.
(The staff workflow for revising lives in the admin; this only builds the data.)"""

from django.db import transaction
from django.utils import timezone

from agreements.models import Agreement, Publication

M2M = ("municipalities", "themes", "target_groups", "perspectives", "legal_references", "contacts")


@transaction.atomic
def revision_create(
    *, agreement: Agreement, publish: bool = True, edit=None, **changes
) -> Agreement:
    """Copy `agreement` as the next version with `changes` applied to its fields; then call
    `edit(new_version)` to change its parts. Published unless publish=False."""
    source = Agreement.objects.get(pk=agreement.pk)
    number = (
        Agreement.objects.filter(lineage_id=source.lineage_id)
        .order_by("-version_number")
        .values_list("version_number", flat=True)
        .first()
    ) + 1
    new = Agreement.objects.get(pk=source.pk)
    new.pk = None
    new.version_number = number
    new.publication = Publication.PUBLISHED if publish else Publication.DRAFT
    new.published_at = timezone.now() if publish else None
    for field, value in changes.items():
        setattr(new, field, value)
    new.save()
    for field in M2M:
        getattr(new, field).set(getattr(source, field).all())
    parties = {}
    for party in source.parties.all():
        old_pk = party.pk
        party.pk = None
        party.agreement = new
        party.save()
        parties[old_pk] = party
    for goal in source.goals.all():
        goal.pk = None
        goal.agreement = new
        goal.party = parties.get(goal.party_id)
        goal.save()
    for section in source.sections.all():
        section.pk = None
        section.agreement = new
        section.save()
    for commitment in source.commitments.prefetch_related("themes", "target_groups"):
        themes, groups = list(commitment.themes.all()), list(commitment.target_groups.all())
        commitment.pk = None
        commitment.agreement = new
        commitment.party = parties[commitment.party_id]
        commitment.save()
        commitment.themes.set(themes)
        commitment.target_groups.set(groups)
    if edit is not None:
        edit(new)
    return new

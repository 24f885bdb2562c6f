"""Keeps the fast path of the PDF cache and the cached public pages honest
(agreements/page_cache.py): any saved or deleted row that an agreement's PDF or page shows
gives that agreement (or, for shared rows such as an organisation's name, every agreement) a
new cache generation once the transaction commits.

The generations only decide whether the fast path may skip building the HTML. A write that
bypasses signals (QuerySet.update, raw SQL) is caught within `pdf_cache.FAST_PATH_SECONDS` at the
latest, when the fast entry expires and the HTML is built and compared again.

A saved published agreement version (a publication, an edit, a newer version that supersedes
it) also gets its PDF rendered by a background job once the transaction commits
(agreements/tasks.py), unless settings.PDF_PRERENDER_ON_PUBLISH is off."""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from actors.models import ContactPerson, County, Municipality, Organisation
from agreements.models import (
    Agreement,
    AgreementSection,
    Attachment,
    Goal,
    LegalReference,
    Party,
    Perspective,
)
from agreements.pdf_cache import agreement_pdfs_invalidate
from commitments.models import Commitment, TargetGroup, Theme
from followup.models import CommitmentAssessment, FollowUp, GoalOutcome, ReceptionFigure

logger = logging.getLogger(__name__)

# Rows of one agreement.
PARTS = (Party, Goal, AgreementSection, Commitment, Attachment)
# Rows of a follow-up.
FOLLOWUP_PARTS = (CommitmentAssessment, GoalOutcome)
# Rows that many agreements print (names, titles). Agreements themselves too, when published
# (a new version changes the older versions' notice and status, a new title the umbrella line
# of others): a draft is printed in no other agreement's PDF.
SHARED = (
    Organisation,
    ContactPerson,
    County,
    Municipality,
    Theme,
    TargetGroup,
    Perspective,
    LegalReference,
)
M2M = (
    Agreement.municipalities.through,
    Agreement.themes.through,
    Agreement.target_groups.through,
    Agreement.perspectives.through,
    Agreement.legal_references.through,
    Agreement.contacts.through,
    Commitment.themes.through,
    Commitment.target_groups.through,
)


def _part_changed(sender, instance, **kwargs):
    agreement_pdfs_invalidate(agreement_id=instance.agreement_id)


@receiver(post_save, sender=FollowUp, dispatch_uid="pdf-FollowUp-save")
@receiver(post_delete, sender=FollowUp, dispatch_uid="pdf-FollowUp-del")
def _followup_changed(sender, instance, **kwargs):
    """A follow-up is printed in its agreement's PDF; a completed one is shown on the page of
    every version and in the coverage of the county pages (agreements/page_cache.py)."""
    agreement_pdfs_invalidate(agreement_id=instance.agreement_id)
    agreement_pdfs_invalidate()


@receiver(post_save, sender=ReceptionFigure, dispatch_uid="pdf-ReceptionFigure-save")
@receiver(post_delete, sender=ReceptionFigure, dispatch_uid="pdf-ReceptionFigure-del")
def _reception_changed(sender, instance, **kwargs):
    """Reception figures are printed with the version that states them, and shown on its
    page (agreements/page_cache.py)."""
    if instance.source_agreement_id:
        agreement_pdfs_invalidate(agreement_id=instance.source_agreement_id)
        agreement_pdfs_invalidate()


def _followup_part_changed(sender, instance, **kwargs):
    agreement_id = (
        FollowUp.objects.filter(pk=instance.followup_id)
        .values_list("agreement_id", flat=True)
        .first()
    )
    if agreement_id:
        agreement_pdfs_invalidate(agreement_id=agreement_id)


def _shared_changed(sender, **kwargs):
    agreement_pdfs_invalidate()


@receiver(post_save, sender=Agreement, dispatch_uid="pdf-Agreement-save")
@receiver(post_delete, sender=Agreement, dispatch_uid="pdf-Agreement-del")
def _agreement_changed(sender, instance, **kwargs):
    agreement_pdfs_invalidate(agreement_id=instance.pk)
    if instance.is_published or getattr(instance, "_was_published", False):
        agreement_pdfs_invalidate()


for model in PARTS:
    post_save.connect(_part_changed, sender=model, dispatch_uid=f"pdf-{model.__name__}-save")
    post_delete.connect(_part_changed, sender=model, dispatch_uid=f"pdf-{model.__name__}-del")
for model in FOLLOWUP_PARTS:
    post_save.connect(
        _followup_part_changed, sender=model, dispatch_uid=f"pdf-{model.__name__}-save"
    )
    post_delete.connect(
        _followup_part_changed, sender=model, dispatch_uid=f"pdf-{model.__name__}-del"
    )
for model in SHARED:
    post_save.connect(_shared_changed, sender=model, dispatch_uid=f"pdf-{model.__name__}-save")
    post_delete.connect(_shared_changed, sender=model, dispatch_uid=f"pdf-{model.__name__}-del")


@receiver(m2m_changed, dispatch_uid="pdf-m2m")
def _tags_changed(sender, instance, action, pk_set, **kwargs):
    if sender not in M2M or not action.startswith("post_"):
        return
    if isinstance(instance, Agreement):
        agreement_pdfs_invalidate(agreement_id=instance.pk)
    elif isinstance(instance, Commitment):
        agreement_pdfs_invalidate(agreement_id=instance.agreement_id)
    else:
        # Changed from the other side (a theme's agreements): the set may be large.
        agreement_pdfs_invalidate()


def _enqueue_prerender(agreement_id: int) -> None:
    from agreements.tasks import agreement_pdf_prerender

    try:
        agreement_pdf_prerender.enqueue(agreement_id)
    except Exception:  # the saved agreement stands; the PDF is rendered when first asked for
        logger.exception("Could not queue the PDF of agreement %s", agreement_id)


@receiver(post_save, sender=Agreement, dispatch_uid="pdf-prerender")
def _published_agreement_saved(sender, instance, **kwargs):
    if settings.PDF_PRERENDER_ON_PUBLISH and instance.is_published:
        agreement_id = instance.pk
        transaction.on_commit(lambda: _enqueue_prerender(agreement_id))


def agreement_pdf_changed(agreement: Agreement) -> None:
    """A write changed the version's rows without their save signals (the document service
    writes them in batches): its PDF gets a new generation, and a published one is rendered
    again in the background, as when a row is saved on its own."""
    agreement_pdfs_invalidate(agreement_id=agreement.pk)
    _published_agreement_saved(Agreement, agreement)

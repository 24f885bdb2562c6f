"""Keep the agreements' search columns in step with their parts (agreements/search.py).

The refresh runs at once, inside the caller's transaction, so what was just saved is what
is searched, in a request as in a test. It is one UPDATE statement per change."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from actors.models import County, Municipality, Organisation
from agreements.models import Agreement, AgreementSection, Attachment, Goal, Party
from agreements.search import agreement_search_refresh
from commitments.models import Commitment, TargetGroup, Theme

PARTS = (Party, Goal, AgreementSection, Attachment, Commitment)


@receiver(post_save, sender=Agreement, dispatch_uid="agreement_search_on_save")
def agreement_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        agreement_search_refresh(agreement_ids=[instance.pk])


def part_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        agreement_search_refresh(agreement_ids=[instance.agreement_id])


for part in PARTS:
    post_save.connect(part_changed, sender=part, dispatch_uid=f"search_{part.__name__}_save")
    post_delete.connect(part_changed, sender=part, dispatch_uid=f"search_{part.__name__}_delete")


def agreement_tags_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        agreement_search_refresh(agreement_ids=[instance.pk])
    elif pk_set:
        agreement_search_refresh(agreement_ids=pk_set)


def commitment_themes_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        agreement_search_refresh(agreement_ids=[instance.agreement_id])
    elif pk_set:
        agreement_search_refresh(
            agreement_ids=Commitment.objects.filter(pk__in=pk_set).values_list(
                "agreement_id", flat=True
            )
        )


for field in ("municipalities", "themes", "target_groups"):
    m2m_changed.connect(
        agreement_tags_changed,
        sender=getattr(Agreement, field).through,
        dispatch_uid=f"search_agreement_{field}",
    )
m2m_changed.connect(
    commitment_themes_changed, sender=Commitment.themes.through, dispatch_uid="search_c_themes"
)


def _renamed(agreements, created):
    if not created:
        agreement_search_refresh(agreement_ids=list(agreements.values_list("pk", flat=True)))


@receiver(post_save, sender=Organisation, dispatch_uid="search_organisation_renamed")
def organisation_saved(sender, instance, created, raw=False, **kwargs):
    if not raw:
        _renamed(Agreement.objects.filter(parties__organisation=instance), created)


@receiver(post_save, sender=Municipality, dispatch_uid="search_municipality_renamed")
def municipality_saved(sender, instance, created, raw=False, **kwargs):
    if not raw:
        _renamed(Agreement.objects.filter(municipalities=instance), created)


@receiver(post_save, sender=County, dispatch_uid="search_county_renamed")
def county_saved(sender, instance, created, raw=False, **kwargs):
    if not raw:
        _renamed(Agreement.objects.filter(county=instance), created)


@receiver(post_save, sender=Theme, dispatch_uid="search_theme_renamed")
def theme_saved(sender, instance, created, raw=False, **kwargs):
    if not raw:
        _renamed(
            Agreement.objects.filter(themes=instance)
            | Agreement.objects.filter(commitments__themes=instance),
            created,
        )


@receiver(post_save, sender=TargetGroup, dispatch_uid="search_target_group_renamed")
def target_group_saved(sender, instance, created, raw=False, **kwargs):
    if not raw:
        _renamed(Agreement.objects.filter(target_groups=instance), created)

"""Keep the agreements' search columns in step with their parts (agreements/search.py).

The refresh runs at once, inside the caller's transaction, so what was just saved is what
is searched, in a request as in a test. It is one UPDATE statement per change."""

from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from actors.models import County, Municipality, Organisation
from agreements.catalogue_index import catalogue_changed
from agreements.models import Agreement, AgreementSection, Attachment, Goal, Party
from agreements.search import agreement_search_refresh
from commitments.models import Commitment, TargetGroup, Theme

PARTS = (Party, Goal, AgreementSection, Attachment, Commitment)


@receiver(post_delete, sender=Agreement, dispatch_uid="agreement_deleted_from_catalogue")
def agreement_deleted(sender, instance, **kwargs):
    catalogue_changed()


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


# Reference data is saved again every time the fixtures are loaded; only a real change of a
# searched name (or an organisation's kind) rewrites the agreements that mention it.
SEARCHED_FIELDS = {
    Organisation: ("name", "abbreviation", "kind"),
    Municipality: ("name",),
    County: ("name",),
    Theme: ("name",),
    TargetGroup: ("name",),
}


def _remember(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    fields = SEARCHED_FIELDS[sender]
    instance._searched_before = sender.objects.filter(pk=instance.pk).values_list(*fields).first()


def _changed(sender, instance) -> bool:
    before = getattr(instance, "_searched_before", None)
    if before is None:
        return False
    return tuple(getattr(instance, field) for field in SEARCHED_FIELDS[sender]) != before


for model in SEARCHED_FIELDS:
    pre_save.connect(_remember, sender=model, dispatch_uid=f"search_remember_{model.__name__}")


def _refresh_mentioning(agreements) -> None:
    agreement_search_refresh(agreement_ids=list(agreements.values_list("pk", flat=True)))


@receiver(post_save, sender=Organisation, dispatch_uid="search_organisation_renamed")
def organisation_saved(sender, instance, raw=False, **kwargs):
    if not raw and _changed(sender, instance):
        _refresh_mentioning(Agreement.objects.filter(parties__organisation=instance))


@receiver(post_save, sender=Municipality, dispatch_uid="search_municipality_renamed")
def municipality_saved(sender, instance, raw=False, **kwargs):
    if not raw and _changed(sender, instance):
        _refresh_mentioning(Agreement.objects.filter(municipalities=instance))


@receiver(post_save, sender=County, dispatch_uid="search_county_renamed")
def county_saved(sender, instance, raw=False, **kwargs):
    if not raw and _changed(sender, instance):
        _refresh_mentioning(Agreement.objects.filter(county=instance))


@receiver(post_save, sender=Theme, dispatch_uid="search_theme_renamed")
def theme_saved(sender, instance, raw=False, **kwargs):
    if not raw and _changed(sender, instance):
        _refresh_mentioning(
            Agreement.objects.filter(
                Q(themes=instance)
                | Q(pk__in=Commitment.objects.filter(themes=instance).values("agreement_id"))
            ).distinct()
        )


@receiver(post_save, sender=TargetGroup, dispatch_uid="search_target_group_renamed")
def target_group_saved(sender, instance, raw=False, **kwargs):
    if not raw and _changed(sender, instance):
        _refresh_mentioning(Agreement.objects.filter(target_groups=instance))

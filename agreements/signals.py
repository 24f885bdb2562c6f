"""Keep the agreements' search columns and the catalogue's change marker in step with their
parts (agreements/search.py, agreements/catalogue_index.py).

A staff write touches many rows: one save of an agreement with 1,000 commitments is a thousand
part saves. Each save only notes its agreement; the refresh (one statement per batch, whatever
the number of agreements) and the marker bump (only when something public changed: a draft's
edit leaves the public catalogue alone) happen once, when the write ends:

- Inside `agreement_changes()` (the document service, the workflow services and the admin's
  views open it, so the admin, the API, the bulk import and the fixtures all get it): at its
  outermost exit, still inside its transaction, so what was just saved is what is searched.
  The marker's row is then written last, just before the commit, and its lock is held only for
  the commit (catalogue_index.catalogue_changed).
- Elsewhere, inside a transaction of the caller's own (a shell, a command): once, after the
  commit, in a short transaction of its own.
- Outside any transaction (autocommit, or a test's transaction): at once."""

from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from actors.models import County, Municipality, Organisation
from agreements.catalogue_index import catalogue_changed, outer_transaction_open
from agreements.models import (
    Agreement,
    AgreementSection,
    Attachment,
    Goal,
    Party,
    Publication,
)
from agreements.pdf_cache import pdf_generations_collected
from agreements.search import agreement_search_refresh
from commitments.models import Commitment, TargetGroup, Theme

PARTS = (Party, Goal, AgreementSection, Attachment, Commitment)


@dataclass
class _Changes:
    """The agreements touched on one database connection and not yet refreshed."""

    depth: int = 0  # open agreement_changes() blocks
    ids: set = field(default_factory=set)
    public: bool = False  # a published version (or one that was) changed

    def take(self) -> tuple[list[int], bool]:
        ids, public = sorted(self.ids), self.public
        self.ids, self.public = set(), False
        return ids, public


def _changes() -> _Changes:
    changes = getattr(connection, "_agreement_changes", None)
    if changes is None:
        changes = connection._agreement_changes = _Changes()
    return changes


def _flush(ids: list[int], public: bool) -> None:
    if ids and not public:
        public = Agreement.objects.filter(pk__in=ids, publication=Publication.PUBLISHED).exists()
    agreement_search_refresh(agreement_ids=ids, catalogue=False)
    if public:
        catalogue_changed(agreement_ids=ids, committing=True)


def _flush_after_commit() -> None:
    with transaction.atomic():
        _flush(*_changes().take())


def _registered_after_commit() -> bool:
    return any(func is _flush_after_commit for _ids, func, _robust in connection.run_on_commit)


def agreements_touched(agreement_ids, *, public: bool = False) -> None:
    """Note that these agreements' rows changed (`public`: a published version changed or
    stopped being published, whatever the agreements are now)."""
    ids = {int(pk) for pk in agreement_ids if pk is not None}
    if not ids and not public:
        return
    changes = _changes()
    if changes.depth:
        changes.ids |= ids
        changes.public |= public
    elif outer_transaction_open():
        if not _registered_after_commit():
            changes.take()  # left by a transaction that was rolled back
            transaction.on_commit(_flush_after_commit, robust=True)
        changes.ids |= ids
        changes.public |= public
    else:
        _flush(sorted(ids), public)


@contextmanager
def agreement_changes():
    """A staff write: a transaction in which the agreements' refresh and the catalogue's
    marker wait for the end (see the module's docstring). Nested blocks join the outermost."""
    changes = _changes()
    with transaction.atomic(), pdf_generations_collected():
        changes.depth += 1
        try:
            yield
        except BaseException:
            changes.depth -= 1
            if not changes.depth:
                changes.take()  # rolled back: nothing to refresh
            raise
        changes.depth -= 1
        if not changes.depth:
            _flush(*changes.take())


@receiver(pre_save, sender=Agreement, dispatch_uid="agreement_publication_before")
def agreement_saving(sender, instance, raw=False, **kwargs):
    if not raw and instance.pk is not None:
        instance._was_published = Agreement.objects.filter(
            pk=instance.pk, publication=Publication.PUBLISHED
        ).exists()


@receiver(post_delete, sender=Agreement, dispatch_uid="agreement_deleted_from_catalogue")
def agreement_deleted(sender, instance, **kwargs):
    if instance.publication == Publication.PUBLISHED:
        agreements_touched([instance.pk], public=True)


@receiver(post_save, sender=Agreement, dispatch_uid="agreement_search_on_save")
def agreement_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        agreements_touched([instance.pk], public=getattr(instance, "_was_published", False))


def part_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        agreements_touched([instance.agreement_id])


for part in PARTS:
    post_save.connect(part_changed, sender=part, dispatch_uid=f"search_{part.__name__}_save")
    post_delete.connect(part_changed, sender=part, dispatch_uid=f"search_{part.__name__}_delete")


def agreement_tags_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        agreements_touched([instance.pk])
    elif pk_set:
        agreements_touched(pk_set)


def commitment_themes_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        agreements_touched([instance.agreement_id])
    elif pk_set:
        agreements_touched(
            Commitment.objects.filter(pk__in=pk_set).values_list("agreement_id", flat=True)
        )


for field_name in ("municipalities", "themes", "target_groups"):
    m2m_changed.connect(
        agreement_tags_changed,
        sender=getattr(Agreement, field_name).through,
        dispatch_uid=f"search_agreement_{field_name}",
    )
m2m_changed.connect(
    commitment_themes_changed, sender=Commitment.themes.through, dispatch_uid="search_c_themes"
)


# Reference data is saved again every time the fixtures are loaded; only a real change of a
# searched name (or an organisation's kind) rewrites the agreements that mention it, and only
# that or a new code of a county or municipality gives the catalogue a new token: the API's
# list shows their codes and is kept under that token alone (agreements/page_cache.py).
SEARCHED_FIELDS = {
    Organisation: ("name", "abbreviation", "kind"),
    Municipality: ("name",),
    County: ("name",),
    Theme: ("name",),
    TargetGroup: ("name",),
}
LISTED_CODES = {Municipality: ("code",), County: ("code", "letter_code")}


def _remember(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    fields = SEARCHED_FIELDS[sender] + LISTED_CODES.get(sender, ())
    instance._watched_before = sender.objects.filter(pk=instance.pk).values(*fields).first()


def _changed(sender, instance, fields) -> bool:
    before = getattr(instance, "_watched_before", None)
    if before is None:
        return False
    return any(getattr(instance, name) != before[name] for name in fields)


for model in SEARCHED_FIELDS:
    pre_save.connect(_remember, sender=model, dispatch_uid=f"search_remember_{model.__name__}")


def _reference_saved(sender, instance, agreements) -> None:
    """A searched name changed: the agreements that mention it are refreshed and every facet's
    names read again; a listed code changed: the catalogue gets a new token."""
    if _changed(sender, instance, SEARCHED_FIELDS[sender]):
        agreements_touched(list(agreements.values_list("pk", flat=True)))
        catalogue_changed()
    elif _changed(sender, instance, LISTED_CODES.get(sender, ())):
        catalogue_changed(agreement_ids=[])


@receiver(post_save, sender=Organisation, dispatch_uid="search_organisation_renamed")
def organisation_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _reference_saved(sender, instance, Agreement.objects.filter(parties__organisation=instance))


@receiver(post_save, sender=Municipality, dispatch_uid="search_municipality_renamed")
def municipality_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _reference_saved(sender, instance, Agreement.objects.filter(municipalities=instance))


@receiver(post_save, sender=County, dispatch_uid="search_county_renamed")
def county_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _reference_saved(sender, instance, Agreement.objects.filter(county=instance))


@receiver(post_save, sender=Theme, dispatch_uid="search_theme_renamed")
def theme_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _reference_saved(
            sender,
            instance,
            Agreement.objects.filter(
                Q(themes=instance)
                | Q(pk__in=Commitment.objects.filter(themes=instance).values("agreement_id"))
            ).distinct(),
        )


@receiver(post_save, sender=TargetGroup, dispatch_uid="search_target_group_renamed")
def target_group_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _reference_saved(sender, instance, Agreement.objects.filter(target_groups=instance))

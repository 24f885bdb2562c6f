"""Who may read, change, create, publish and follow up what: the registry's one policy.

A staff member's scope (actors.models.StaffScope, read once per request as `Scope`) is one or
more counties, or the whole country for a national editor. Every rule is here twice over: as
a check on one object, and as a QuerySet filter for lists, side by side so that the two cannot
drift. The admin, the API's permissions, the bulk import, the follow-up and the workflow
services ask this module; none of them restates a rule.

(The `rules` library was considered: it expresses the object checks well but not the list
filters, which would then have lived elsewhere.)
"""

from django.db.models import Q

from actors.models import County, OrganisationKind, Scope
from agreements.models import Publication


def works_in_registry(user) -> bool:
    """Staff with a scope: they may open the registry's staff pages and write at all."""
    return bool(user.is_authenticated and user.is_staff and not Scope.of(user).is_empty)


def may_change_county(user, county_id: int | None) -> bool:
    """The rule every write comes down to. County None is a central agreement: national
    editors only."""
    return Scope.of(user).covers_county(county_id)


def may_change_agreement(user, agreement) -> bool:
    return may_change_county(user, agreement.county_id)


def may_see_agreement(user, agreement) -> bool:
    """Published, or a draft the user may change: `visible_filter` for one agreement."""
    return agreement.is_published or may_change_agreement(user, agreement)


def may_delete_agreement(user, agreement) -> bool:
    """Only drafts are deleted; a published agreement is unpublished with a reason."""
    return not agreement.is_published and may_change_agreement(user, agreement)


def refusal_to_register(user, *, county: County | None) -> str:
    """Why the user may not register (or move) an agreement in this county, as a sentence
    that says what to do; empty when they may. County None: a central agreement."""
    scope = Scope.of(user)
    if scope.national:
        return ""
    if county is None:
        return (
            "Bara nationella redaktörer får registrera centrala överenskommelser. Välj nivån "
            "regional eller lokal och ditt län."
        )
    if not scope.covers_county(county.pk):
        return f"Du får bara registrera överenskommelser i ditt eget län, inte i {county}."
    return ""


def counties_for(user):
    """The counties the user may choose for an agreement."""
    scope = Scope.of(user)
    return (
        County.objects.all() if scope.national else County.objects.filter(pk__in=scope.county_ids)
    )


# List filters over agreements (Agreement.objects.editable_by / visible_to) ---------------


def editable_filter(user, path: str = "") -> Q:
    """What the user may change: their counties' agreements, or all for a national editor.
    `path` leads from the filtered model to the agreement ("agreement__")."""
    scope = Scope.of(user)
    if scope.national:
        return Q()
    return Q(**{f"{path}county_id__in": scope.county_ids})


def visible_filter(user, path: str = "") -> Q:
    """What the user may read: everything published, and the drafts they may change."""
    scope = Scope.of(user)
    if scope.national:
        return Q()
    return Q(**{f"{path}publication": Publication.PUBLISHED}) | editable_filter(user, path)


# Organisations and their contact people ---------------------------------------------------


def organisation_county_id(organisation) -> int | None:
    """The county whose staff look after the organisation: its own county, else its
    municipality's. None for a national organisation (a state agency, or one without a
    county): national editors only, like a central agreement."""
    if organisation.kind == OrganisationKind.NATIONAL_AGENCY:
        return None
    if organisation.county_id is not None:
        return organisation.county_id
    if organisation.municipality_id is not None:
        return organisation.municipality.county_id
    return None


def may_change_organisation(user, organisation) -> bool:
    """Rename, move, delete the organisation and change its contact people."""
    return works_in_registry(user) and may_change_county(user, organisation_county_id(organisation))


def may_change_contact(user, contact) -> bool:
    """A contact person is looked after with their organisation, by its county's staff: only
    they change, delete or make public the person's personal data."""
    return may_change_organisation(user, contact.organisation)


def refusal_to_change_organisation(user, organisation) -> str:
    """Why the user may not save the organisation as it now is (a new one, or one moved to
    another county), as a sentence that says who may; empty when they may."""
    if may_change_organisation(user, organisation):
        return ""
    county_id = organisation_county_id(organisation)
    if county_id is None:
        return (
            "Bara nationella redaktörer får ändra statliga myndigheter och organisationer "
            "utan län. Ange länet om organisationen hör till ditt län."
        )
    return "Du får bara ändra organisationer i ditt eget län."


def refusal_to_publish_contact(user, organisation) -> str:
    """Why the user may not show a contact person of this organisation to the public;
    empty when they may."""
    if may_change_organisation(user, organisation):
        return ""
    return (
        "Bara handläggare i organisationens län (för statliga myndigheter: nationella "
        "redaktörer) får visa en kontaktperson publikt."
    )

"""The actors' parts of the agreement document (see agreements/document.py): organisations
are named by their slug; contact people, who have no natural key, are written out whole."""

from django.db.models import Q

from actors.boundaries import county_from_key, county_key
from actors.models import ContactPerson, County, Organisation
from agreements import policy
from registry.documents import NaturalKey, Part, fail, full_clean

ORGANISATION = NaturalKey(Organisation, "slug", "Organisationen")


class CountyKey(NaturalKey):
    """A county: today's by its code (25), a former county by its slug (malmohus-lan) or, if
    no county today has it, its code (11). actors.boundaries holds the rule."""

    def dump(self, value, *, many: bool = False, **_):
        return county_key(value) if value is not None else None

    def load_one(self, value, path: str, *, known: dict | None = None, **_):
        if value in (None, ""):
            return None
        # Many documents written together (the bulk import) name the same counties.
        found = {} if known is None else known.setdefault(CountyKey, {})
        if value not in found:
            found[value] = county_from_key(value)
        county = found[value]
        if county is None:
            fail(path, f"{self.label} {value} finns inte.")
        return county


COUNTY = CountyKey(County, "code", "Länet")

CONTACT = Part(
    model=ContactPerson,
    fields=("organisation", "name", "title", "email", "phone", "is_public"),
    keys={"organisation": ORGANISATION},
)


class ContactKey:
    """A contact person written out whole: found again by organisation, name and e-mail,
    otherwise created. A public dump leaves out the people who are not marked public.

    With a `user` (the API, the import), a person whose title, phone or public flag the
    document changes must be one the user may change, and only the organisation's county
    staff make a person public (agreements/policy.py); None is the registry's own loaders."""

    part = CONTACT

    def dump(self, value, *, many: bool, public: bool = False, **_):
        def shown(contact) -> bool:
            return contact is not None and (contact.is_public or not public)

        if many:
            return [CONTACT.dump(contact) for contact in value if shown(contact)]
        return CONTACT.dump(value) if shown(value) else None

    def normalized(self, value, *, many: bool):
        if many:
            return [CONTACT.normalized(row) for row in value or []]
        return CONTACT.normalized(value) if value else None

    def resolve(self, rows, known: dict | None) -> None:
        """Look the people of many rows up at once (their organisations in one query, the
        people in another) into `known`, where load_one finds them."""
        rows = [CONTACT.normalized(row) for row in rows if row]
        if not rows or known is None:
            return
        organisations = ORGANISATION.resolve([row["organisation"] for row in rows], known)
        wanted = Q()
        for row in rows:
            organisation = organisations.get(row["organisation"])
            if organisation is not None:
                wanted |= Q(organisation=organisation, name=row["name"], email=row["email"])
        if wanted:
            seen = known.setdefault(ContactKey, {})
            for contact in ContactPerson.objects.filter(wanted).order_by(
                *ContactPerson._meta.ordering or ["pk"]
            ):
                seen.setdefault((contact.organisation_id, contact.name, contact.email), contact)

    def load_one(self, row, path: str, *, user=None, known: dict | None = None, **_):
        if not row:
            return None
        path = f"{path}."
        holder = ContactPerson()
        CONTACT.load_plain(holder, row)
        CONTACT.load_single_keys(holder, row, path, known=known)
        # One save of many commitments names the same people again and again: each person
        # is looked up and written once.
        seen = {} if known is None else known.setdefault(ContactKey, {})
        identity = (holder.organisation_id, holder.name, holder.email)
        contact = seen.get(identity)
        if contact is None:
            contact = ContactPerson.objects.filter(
                organisation=holder.organisation, name=holder.name, email=holder.email
            ).first()
        written = (holder.title, holder.phone, holder.is_public)
        if contact is not None and written == (contact.title, contact.phone, contact.is_public):
            seen[identity] = contact
            return contact
        if contact is None:
            contact = holder
        else:
            _require_change(user, contact, path)
            contact.title, contact.phone = holder.title, holder.phone
            contact.is_public = holder.is_public
        if contact.is_public and contact.pk is None and user is not None:
            refusal = policy.refusal_to_publish_contact(user, contact.organisation)
            if refusal:
                fail(f"{path}is_public", refusal)
        full_clean(contact, path)
        contact.save()
        seen[identity] = contact
        return contact

    def load_many(self, rows, path: str, **context):
        self.resolve(rows or [], context.get("known"))
        return [
            self.load_one(row, f"{path}[{index}]", **context)
            for index, row in enumerate(rows or [])
        ]


def _require_change(user, contact: ContactPerson, path: str) -> None:
    if user is not None and not policy.may_change_contact(user, contact):
        fail(
            path.rstrip("."),
            f"Kontaktpersonen {contact.name or contact.email} hör till {contact.organisation}, "
            "som du inte får ändra. Skriv titel, telefon och om personen visas publikt som de "
            "står i registret, eller be organisationens län ändra dem.",
        )

"""The actors' parts of the agreement document (see agreements/document.py): organisations
are named by their slug; contact people, who have no natural key, are written out whole."""

from actors.models import ContactPerson, Organisation
from registry.documents import NaturalKey, Part, full_clean

ORGANISATION = NaturalKey(Organisation, "slug", "Organisationen")

CONTACT = Part(
    model=ContactPerson,
    fields=("organisation", "name", "title", "email", "phone", "is_public"),
    keys={"organisation": ORGANISATION},
)


class ContactKey:
    """A contact person written out whole: found again by organisation, name and e-mail,
    otherwise created. A public dump leaves out the people who are not marked public."""

    part = CONTACT

    def dump(self, value, *, many: bool, public: bool = False, **_):
        def shown(contact) -> bool:
            return contact is not None and (contact.is_public or not public)

        if many:
            return [CONTACT.dump(contact) for contact in value.all() if shown(contact)]
        return CONTACT.dump(value) if shown(value) else None

    def load_one(self, row, path: str, **_):
        if not row:
            return None
        path = f"{path}."
        holder = ContactPerson()
        CONTACT.load_plain(holder, row)
        CONTACT.load_single_keys(holder, row, path)
        contact = ContactPerson.objects.filter(
            organisation=holder.organisation, name=holder.name, email=holder.email
        ).first()
        if contact is None:
            contact = holder
        else:
            contact.title, contact.phone = holder.title, holder.phone
            contact.is_public = holder.is_public
        full_clean(contact, path)
        contact.save()
        return contact

    def load_many(self, rows, path: str, **_):
        return [self.load_one(row, f"{path}[{index}]") for index, row in enumerate(rows or [])]

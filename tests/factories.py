import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from actors.models import County, Municipality, Organisation, OrganisationKind
from agreements.models import Agreement, AgreementLineage, Goal, Level, Party, Publication
from commitments.models import Commitment


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("lösenord-för-test")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Testorganisation {n}")
    slug = factory.Sequence(lambda n: f"testorganisation-{n}")
    kind = OrganisationKind.CIVIL_SOCIETY


class LineageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgreementLineage

    slug = factory.Sequence(lambda n: f"testoverenskommelse-{n}")


class AgreementFactory(factory.django.DjangoModelFactory):
    """A published regional agreement in Norrbotten unless told otherwise."""

    class Meta:
        model = Agreement
        skip_postgeneration_save = True

    lineage = factory.SubFactory(LineageFactory)
    title = factory.Sequence(lambda n: f"Testöverenskommelse {n}")
    level = Level.REGIONAL
    county = factory.LazyFunction(lambda: County.objects.get(code="25"))
    publication = Publication.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)

    class Params:
        draft = factory.Trait(publication=Publication.DRAFT, published_at=None)

    @factory.post_generation
    def municipalities(self, create, extracted, **kwargs):
        if create and extracted:
            self.municipalities.set(extracted)


def local_agreement(*, municipality_codes: list[str], **fields) -> Agreement:
    municipalities = list(Municipality.objects.filter(code__in=municipality_codes))
    county = municipalities[0].county
    return AgreementFactory(
        level=Level.LOCAL, county=county, municipalities=municipalities, **fields
    )


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party

    agreement = factory.SubFactory(AgreementFactory)
    organisation = factory.SubFactory(OrganisationFactory)


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    agreement = factory.SubFactory(AgreementFactory)
    text = "Fler nyanlända ska vara i arbete eller studier."


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commitment

    party = factory.SubFactory(PartyFactory)
    agreement = factory.SelfAttribute("party.agreement")
    heading = "Arbete"
    text = "Erbjuda praktikplatser."

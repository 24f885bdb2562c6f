import datetime
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce, ExtractYear, Now
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from actors import boundaries
from actors.models import County, Municipality, Organisation
from agreements.search import swedish_title_key
from registry import partial_dates
from registry.partial_dates import DatePrecision, PartialDate
from registry.vocabulary import VocabularyTerm

YEAR_VALIDATORS = [
    MinValueValidator(1990, gettext_lazy("Året ska vara 1990 eller senare.")),
    MaxValueValidator(2100, gettext_lazy("Året ska vara 2100 eller tidigare.")),
]


class Level(models.TextChoices):
    CENTRAL = "central", "Central"
    REGIONAL = "regional", "Regional"
    LOCAL = "local", "Lokal"


class Kind(models.TextChoices):
    AGREEMENT = "agreement", "Överenskommelse"
    ANNEX = "annex", "Hängavtal"
    INTERNAL = "internal", "Intern kommunal överenskommelse"
    SUPPLEMENTARY = "supplementary", "Tilläggsöverenskommelse"
    DECLARATION_OF_INTENT = "declaration_of_intent", "Avsiktsförklaring"
    RECEPTION = "reception", "Överenskommelse om flyktingmottagande"


class Publication(models.TextChoices):
    DRAFT = "draft", "Utkast"
    PUBLISHED = "published", "Publicerad"


class LegalStatus(models.TextChoices):
    IN_FORCE = "in_force", "Gäller"
    UPCOMING = "upcoming", "Börjar gälla senare"
    EXPIRED = "expired", "Har upphört"
    SUPERSEDED = "superseded", "Ersatt av nyare version"
    UNKNOWN = "unknown", "Giltighet okänd"


class FollowUpFrequency(models.TextChoices):
    NOT_STATED = "", "Anges inte"
    YEARLY = "yearly", "Årligen"
    TWICE_YEARLY = "twice_yearly", "Två gånger per år"
    OTHER = "other", "Annat"


class Perspective(VocabularyTerm):
    class Meta(VocabularyTerm.Meta):
        verbose_name = "perspektiv"
        verbose_name_plural = "perspektiv"


class LegalReference(models.Model):
    sfs = models.CharField(
        "SFS-nummer",
        max_length=20,
        unique=True,
        help_text="Svensk författningssamlings nummer, till exempel 2010:197.",
    )
    slug = models.SlugField("kortnamn", unique=True)
    title = models.CharField("rubrik", max_length=300)

    class Meta:
        verbose_name = "författning"
        verbose_name_plural = "författningar"
        ordering = ["sfs"]

    def __str__(self):
        return f"SFS {self.sfs}"


class AgreementLineage(models.Model):
    """One agreement through all its versions; its slug is the agreement's permanent address."""

    slug = models.SlugField(
        "kortnamn i adresser",
        max_length=120,
        unique=True,
        help_text="Används i överenskommelsens permanenta adress och ändras aldrig.",
    )
    created_at = models.DateTimeField("skapad", auto_now_add=True)

    class Meta:
        verbose_name = "överenskommelse (alla versioner)"
        verbose_name_plural = "överenskommelser (alla versioner)"
        ordering = ["slug"]

    def __str__(self):
        return self.slug


# The agreement's dates that may be partial, and whether each ends a period (a year or month
# then stands for its last day rather than its first).
PARTIAL_DATE_FIELDS = {"signed_on": False, "valid_from": False, "valid_until": True}


def signing_year():
    """The year an agreement version was signed: the one rule the statistics, the catalogue's
    facet, the API and the reports count by. The year of its signing date, whatever the date's
    precision; unknown (null) without a signing date, never guessed from its start."""
    return ExtractYear("signed_on")


def effective_start():
    return Coalesce("valid_from", "signed_on")


def effective_start_precision():
    """How much of effective_start() is known (registry/partial_dates.py)."""
    return Case(
        When(valid_from__isnull=False, then=F("valid_from_precision")),
        default=F("signed_on_precision"),
    )


class AgreementQuerySet(models.QuerySet):
    def published(self):
        return self.filter(publication=Publication.PUBLISHED)

    def editable_by(self, user):
        from agreements import policy

        return self.filter(policy.editable_filter(user))

    def visible_to(self, user):
        """What a person may read: everything published and the drafts they may change."""
        from agreements import policy

        return self.filter(policy.visible_filter(user))

    def _superseded_on(self, on: datetime.date):
        newer = Agreement.objects.filter(
            lineage_id=OuterRef("lineage_id"),
            version_number__gt=OuterRef("version_number"),
            publication=Publication.PUBLISHED,
        ).filter(
            Q(valid_from__isnull=True, signed_on__isnull=True)
            | Q(valid_from__lte=on)
            | Q(valid_from__isnull=True, signed_on__lte=on)
        )
        return Exists(newer)

    def in_force(self, on: datetime.date | None = None):
        """In force on the day: started, not ended, not replaced by a newer published version
        of the same agreement. Without a start date (neither valid from nor signed on) the
        registry cannot tell, and does not count the agreement as in force."""
        on = on or timezone.localdate()
        return (
            self.alias(start=effective_start(), superseded=self._superseded_on(on))
            .filter(start__lte=on)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
            .filter(superseded=False)
        )

    def with_status(self, on: datetime.date | None = None):
        on = on or timezone.localdate()
        return self.annotate(
            legal_status=Case(
                When(self._superseded_on(on), then=Value(LegalStatus.SUPERSEDED)),
                When(valid_until__lt=on, then=Value(LegalStatus.EXPIRED)),
                When(
                    Q(valid_from__gt=on) | Q(valid_from__isnull=True, signed_on__gt=on),
                    then=Value(LegalStatus.UPCOMING),
                ),
                When(
                    valid_from__isnull=True,
                    signed_on__isnull=True,
                    then=Value(LegalStatus.UNKNOWN),
                ),
                default=Value(LegalStatus.IN_FORCE),
                output_field=models.CharField(),
            )
        )

    def latest_versions(self, among=None):
        """The newest version of each agreement among `among` (a queryset of versions, by
        default all): the public pass `Agreement.objects.published()`, so that a draft
        revision does not hide the published version it will replace."""
        among = Agreement.objects.all() if among is None else among
        newer = among.filter(
            lineage_id=OuterRef("lineage_id"), version_number__gt=OuterRef("version_number")
        )
        return self.filter(~Exists(newer))

    def latest_published(self):
        """The newest published version of each agreement. Unlike latest_versions(), a draft
        revision in progress does not hide the version the public is reading."""
        return self.published().latest_versions(among=Agreement.objects.published())

    def listed(self, user, *, all_versions: bool = False):
        """What every list of the API and every export shows a person: the newest version of
        each agreement among those they may read (for the public the newest published
        version, so nothing is counted twice), or every version they may read."""
        visible = self.visible_to(user)
        if all_versions:
            return visible
        return visible.latest_versions(among=Agreement.objects.visible_to(user))

    def for_display(self):
        """Without the county's boundary: what a page shows of an agreement, not what it is
        drawn by."""
        return self.defer("county__geometry")

    def search(self, query: str):
        """Swedish full-text search ranked by relevance (annotation `rank`); when the words
        are found nowhere, agreements whose names are spelled like them (pg_trgm)."""
        from agreements import search

        return search.agreements_search(self, query)


# An agreement's links to other agreements: umbrella, annex to, based on.
AGREEMENT_LINKS = ("parent", "annex_to", "based_on")


class Agreement(models.Model):
    lineage = models.ForeignKey(
        AgreementLineage,
        verbose_name="överenskommelse",
        on_delete=models.PROTECT,
        related_name="versions",
        help_text="Alla versioner av samma överenskommelse hör till samma linje.",
    )
    version_number = models.PositiveIntegerField(
        "versionsnummer", default=1, help_text="1 för den första versionen, sedan 2, 3 …"
    )
    version_label = models.CharField(
        "versionsbeteckning",
        max_length=100,
        blank=True,
        help_text="Som dokumentet skriver det, till exempel ”Reviderad mars 2009”.",
    )
    title = models.CharField("titel", max_length=300)
    alias = models.CharField(
        "kortnamn",
        max_length=100,
        blank=True,
        help_text="Det namn överenskommelsen brukar kallas, till exempel ”RÖK Norrbotten”.",
    )
    registration_number = models.CharField(
        "diarienummer",
        max_length=100,
        blank=True,
        help_text="Länsstyrelsens eller partens diarienummer.",
    )
    level = models.CharField(
        "nivå",
        max_length=10,
        choices=Level.choices,
        help_text="Central: hela landet. Regional: ett län. Lokal: en eller flera kommuner.",
    )
    kind = models.CharField(
        "typ",
        max_length=30,
        choices=Kind.choices,
        default=Kind.AGREEMENT,
        help_text="Hängavtal: en kommuns tillägg till en annan kommuns överenskommelse.",
    )
    county = models.ForeignKey(
        County,
        verbose_name="län",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agreements",
        help_text="Krävs för regionala och lokala överenskommelser; tomt för centrala.",
    )
    municipalities = models.ManyToManyField(
        Municipality,
        verbose_name="kommuner",
        blank=True,
        related_name="agreements",
        help_text="Lokala överenskommelser: minst en kommun, alla i överenskommelsens län.",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="paraplyöverenskommelse",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        help_text="Lokal → den regionala överenskommelsen den hör under; regional → den centrala.",
    )
    annex_to = models.ForeignKey(
        "self",
        verbose_name="hängavtal till",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="annexes",
        help_text="För hängavtal: den överenskommelse hängavtalet är knutet till.",
    )
    based_on = models.ForeignKey(
        "self",
        verbose_name="bygger på",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="derived",
        help_text="En överenskommelse vars text har kopierats eller följts.",
    )

    background = models.TextField("bakgrund", blank=True)
    purpose = models.TextField("syfte", blank=True)
    target_group = models.TextField("målgrupp", blank=True)
    organisation = models.TextField(
        "organisation",
        blank=True,
        help_text="Hur samverkan är organiserad: grupper, möten, ansvar.",
    )
    followup_routine = models.TextField("rutin för uppföljning", blank=True)
    revision_routine = models.TextField("rutin för revidering", blank=True)
    disagreement_handling = models.TextField("hantering av oenighet", blank=True)
    communication = models.TextField("kommunikation och kontaktvägar", blank=True)

    themes = models.ManyToManyField(
        "commitments.Theme", verbose_name="teman", blank=True, related_name="agreements"
    )
    target_groups = models.ManyToManyField(
        "commitments.TargetGroup", verbose_name="målgrupper", blank=True, related_name="agreements"
    )
    perspectives = models.ManyToManyField(
        Perspective, verbose_name="perspektiv", blank=True, related_name="agreements"
    )
    legal_references = models.ManyToManyField(
        LegalReference, verbose_name="författningar", blank=True, related_name="agreements"
    )
    contacts = models.ManyToManyField(
        "actors.ContactPerson",
        verbose_name="kontaktpersoner",
        blank=True,
        related_name="agreements",
        help_text="Kontaktpersoner för överenskommelsen. Visas publikt bara om personen är "
        "markerad som publik.",
    )

    followup_frequency = models.CharField(
        "uppföljning, hur ofta", max_length=20, choices=FollowUpFrequency.choices, blank=True
    )
    followup_responsible = models.ForeignKey(
        Organisation,
        verbose_name="ansvarig för uppföljning",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followup_responsibilities",
    )

    signed_on = models.DateField("undertecknad", null=True, blank=True)
    signed_on_precision = models.CharField(
        "undertecknad, precision",
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text="Hur mycket av undertecknandedatumet som är känt: år, månad eller dag. Ett "
        "år eller en månad lagras som sin första dag.",
    )
    valid_from = models.DateField("gäller från", null=True, blank=True)
    valid_from_precision = models.CharField(
        "gäller från, precision",
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text="Hur mycket av startdatumet som är känt: år, månad eller dag. Ett år eller "
        "en månad lagras som sin första dag.",
    )
    valid_until = models.DateField(
        "gäller till", null=True, blank=True, help_text="Tomt betyder: tills vidare."
    )
    valid_until_precision = models.CharField(
        "gäller till, precision",
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text="Hur mycket av slutdatumet som är känt: år, månad eller dag. Ett år eller "
        "en månad lagras som sin sista dag.",
    )

    publication = models.CharField(
        "publicering",
        max_length=10,
        choices=Publication.choices,
        default=Publication.DRAFT,
        help_text="Utkast syns bara för behörig personal. Publicerade syns för alla.",
    )
    published_at = models.DateTimeField("publicerad", null=True, blank=True, editable=False)

    is_good_example = models.BooleanField(
        "gott exempel", default=False, help_text="Lyfts fram i kunskapsbanken."
    )
    good_example_note = models.TextField(
        "vad exemplet visar", blank=True, help_text="Vad andra kan lära av överenskommelsen."
    )

    created_at = models.DateTimeField("skapad", auto_now_add=True)
    updated_at = models.DateTimeField("ändrad", auto_now=True)
    lock_version = models.PositiveIntegerField(
        "ändringsnummer",
        default=1,
        editable=False,
        help_text="Räknas upp vid varje sparning. Ett formulär som visades före en annan "
        "persons sparning får inte skriva över den (optimistisk låsning).",
    )

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = "överenskommelse"
        verbose_name_plural = "överenskommelser"
        ordering = ["title", "version_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["lineage", "version_number"],
                name="agreement_version_once_per_lineage",
                violation_error_message="Versionen finns redan för den här överenskommelsen.",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_from__lte=F("valid_until")),
                name="agreement_validity_in_order",
                violation_error_message="”Gäller till” kan inte vara före ”gäller från”.",
            ),
            models.CheckConstraint(
                condition=Q(level=Level.CENTRAL, county__isnull=True)
                | Q(level__in=[Level.REGIONAL, Level.LOCAL], county__isnull=False),
                name="agreement_county_matches_level",
                violation_error_message="En central överenskommelse har inget län; en regional "
                "eller lokal måste ha ett län.",
            ),
            models.CheckConstraint(
                condition=Q(publication=Publication.DRAFT) | Q(published_at__isnull=False),
                name="agreement_published_has_date",
                violation_error_message="En publicerad överenskommelse måste ha ett "
                "publiceringsdatum.",
            ),
            models.CheckConstraint(
                condition=Q(kind=Kind.ANNEX) | Q(annex_to__isnull=True),
                name="agreement_only_annex_has_annex_to",
                violation_error_message="Bara ett hängavtal kan vara knutet till en annan "
                "överenskommelse.",
            ),
        ]
        indexes = [
            models.Index(fields=["publication", "level"]),
            models.Index(fields=["valid_from", "valid_until"]),
            # The API's Last-Modified, the newest change to a published version: read from the
            # end of this index instead of scanning the table.
            models.Index(
                fields=["updated_at"],
                condition=Q(publication=Publication.PUBLISHED),
                name="agreement_published_updated",
            ),
            # Covers what the catalogue counts, filters and sorts on of the agreement itself
            # (its facets: CatalogueEntry), so that browsing reads this index rather than the
            # whole table with its long texts.
            models.Index(
                fields=["publication", "lineage", "version_number"],
                include=[
                    "id",
                    "title",
                    "level",
                    "county",
                    "is_good_example",
                    "signed_on",
                    "valid_from",
                    "valid_until",
                    "published_at",
                ],
                name="agreement_catalogue",
            ),
            # The catalogue's title order (Swedish, see agreements.search.swedish_title_key).
            models.Index(swedish_title_key(), "version_number", "id", name="agreement_title_order"),
        ]

    def __str__(self):
        label = self.version_label or f"version {self.version_number}"
        return f"{self.title} ({label})"

    def get_absolute_url(self):
        return reverse("agreements:detail", kwargs={"slug": self.lineage.slug})

    def get_version_url(self):
        """The stable address of this very version, also after newer ones are published."""
        return reverse(
            "agreements:version",
            kwargs={"slug": self.lineage.slug, "number": self.version_number},
        )

    @property
    def slug(self) -> str:
        return self.lineage.slug

    @property
    def is_published(self) -> bool:
        return self.publication == Publication.PUBLISHED

    @property
    def signed_on_partial(self) -> PartialDate | None:
        """The signing date as it was written ("mars 2009"); registry/partial_dates.py."""
        return partial_dates.of(self.signed_on, self.signed_on_precision)

    @property
    def valid_from_partial(self) -> PartialDate | None:
        return partial_dates.of(self.valid_from, self.valid_from_precision)

    @property
    def valid_until_partial(self) -> PartialDate | None:
        return partial_dates.of(self.valid_until, self.valid_until_precision)

    @property
    def legal_status_label(self) -> str:
        """Needs the legal_status annotation of AgreementQuerySet.with_status()."""
        return LegalStatus(self.legal_status).label

    @property
    def legal_status_date(self) -> PartialDate | None:
        """The day the status is about, as it was written, for the sentence that states it
        (the page, the PDF): an expired agreement's last day, an upcoming one's first; None
        for a status that holds on the day one reads it. Needs the legal_status annotation of
        with_status()."""
        if self.legal_status == LegalStatus.EXPIRED:
            return self.valid_until_partial
        if self.legal_status == LegalStatus.UPCOMING:
            return self.valid_from_partial or self.signed_on_partial
        return None

    def legal_status_on(self, on: datetime.date | None = None) -> str:
        return (
            Agreement.objects.filter(pk=self.pk)
            .with_status(on)
            .values_list("legal_status", flat=True)
            .get()
        )

    def clean(self):
        errors: dict[str, list[str]] = {}

        def add(field, message):
            errors.setdefault(field, []).append(message)

        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            add(
                "valid_until",
                "”Gäller till” kan inte vara före ”gäller från”. Rätta något av datumen.",
            )
        if self.level == Level.CENTRAL and self.county_id:
            add(
                "county",
                "En central överenskommelse gäller hela landet och ska inte ha något "
                "län. Töm fältet eller välj nivån regional eller lokal.",
            )
        if self.level in (Level.REGIONAL, Level.LOCAL) and not self.county_id:
            add(
                "county",
                f"En {self.get_level_display().lower()} överenskommelse måste ha ett "
                "län. Välj länet.",
            )
        if self.kind == Kind.ANNEX and not self.annex_to_id:
            add(
                "annex_to",
                "Ett hängavtal ska vara knutet till en annan överenskommelse. Välj vilken.",
            )
        if self.kind != Kind.ANNEX and self.annex_to_id:
            add(
                "annex_to",
                "Bara hängavtal knyts till en annan överenskommelse. Välj typen "
                "hängavtal eller töm fältet.",
            )
        expected_parent_level = {Level.LOCAL: Level.REGIONAL, Level.REGIONAL: Level.CENTRAL}
        if self.parent_id:
            if self.level == Level.CENTRAL:
                add("parent", "En central överenskommelse har ingen paraplyöverenskommelse.")
            elif self.parent.level != expected_parent_level.get(self.level):
                wanted = Level(expected_parent_level[self.level]).label.lower()
                add("parent", f"Paraplyöverenskommelsen ska vara {wanted}.")
            elif self.level == Level.LOCAL and self.parent.county_id != self.county_id:
                add("parent", "Den regionala paraplyöverenskommelsen ska höra till samma län.")
        for field in AGREEMENT_LINKS:
            related_id = getattr(self, f"{field}_id")
            if (
                related_id
                and self.lineage_id
                and getattr(self, field).lineage_id == self.lineage_id
            ):
                add(field, "En överenskommelse kan inte hänvisa till en version av sig själv.")
        if errors:
            raise ValidationError(errors)


def validate_municipalities(
    *, level: str, county: County | None, municipalities, day: datetime.date
) -> None:
    """The rules a ManyToMany cannot carry in the database: a local agreement names at least
    one municipality, and the county and every municipality fit the boundaries on the
    agreement's day (actors.boundaries.agreement_day, place_problems)."""
    municipalities = list(municipalities)
    if level == Level.LOCAL and not municipalities:
        raise ValidationError(
            {
                "municipalities": "En lokal överenskommelse måste gälla minst en kommun. Välj "
                "kommunen eller kommunerna."
            }
        )
    if level == Level.CENTRAL and municipalities:
        raise ValidationError(
            {"municipalities": "En central överenskommelse gäller hela landet; ta bort kommunerna."}
        )
    if problems := boundaries.place_problems(county=county, municipalities=municipalities, day=day):
        raise ValidationError(problems)


class AgreementChildQuerySet(models.QuerySet):
    """Parts of an agreement follow the agreement's publication and scope."""

    def published(self):
        return self.filter(agreement__publication=Publication.PUBLISHED)

    def editable_by(self, user):
        from agreements import policy

        return self.filter(policy.editable_filter(user, "agreement__"))


class AgreementSection(models.Model):
    agreement = models.ForeignKey(
        Agreement, verbose_name="överenskommelse", on_delete=models.CASCADE, related_name="sections"
    )
    heading = models.CharField("rubrik", max_length=300)
    text = models.TextField("text")
    order = models.PositiveIntegerField("ordning", default=0)

    objects = AgreementChildQuerySet.as_manager()

    class Meta:
        verbose_name = "avsnitt"
        verbose_name_plural = "övriga avsnitt"
        ordering = ["agreement", "order", "id"]

    def __str__(self):
        return self.heading


class PartyRole(models.TextChoices):
    SIGNATORY = "signatory", "Undertecknare"
    PARTICIPANT = "participant", "Deltar utan att underteckna"
    CO_OPTED = "co_opted", "Adjungerad"


class Party(models.Model):
    agreement = models.ForeignKey(
        Agreement, verbose_name="överenskommelse", on_delete=models.CASCADE, related_name="parties"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name="organisation", on_delete=models.PROTECT, related_name="parties"
    )
    role = models.CharField(
        "roll",
        max_length=20,
        choices=PartyRole.choices,
        default=PartyRole.SIGNATORY,
        help_text="Adjungerad: deltar i samverkan utan att underteckna.",
    )
    is_convener = models.BooleanField(
        "sammankallande", default=False, help_text="Parten kallar till samverkansmötena."
    )
    signatory_name = models.CharField(
        "undertecknad av", max_length=200, blank=True, help_text="Namnet på den som skrev under."
    )
    signatory_title = models.CharField("undertecknarens titel", max_length=200, blank=True)
    signed_on = models.DateField("undertecknad", null=True, blank=True)
    order = models.PositiveIntegerField("ordning", default=0)

    objects = AgreementChildQuerySet.as_manager()

    class Meta:
        verbose_name = "part"
        verbose_name_plural = "parter"
        ordering = ["agreement", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "organisation"],
                name="party_organisation_once_per_agreement",
                violation_error_message="Organisationen är redan part i överenskommelsen.",
            ),
            # Target of the composite foreign keys from Goal and Commitment (see migrations).
            models.UniqueConstraint(fields=["id", "agreement"], name="party_id_agreement"),
            models.CheckConstraint(
                condition=Q(role=PartyRole.SIGNATORY)
                | Q(signatory_name="", signatory_title="", signed_on__isnull=True),
                name="party_only_signatory_signs",
                violation_error_message="Bara en undertecknande part har undertecknare och "
                "datum för underskrift.",
            ),
        ]

    def __str__(self):
        return f"{self.organisation} – {self.get_role_display().lower()}"

    def clean(self):
        if self.role != PartyRole.SIGNATORY:
            signed = [
                n for n in ("signatory_name", "signatory_title", "signed_on") if getattr(self, n)
            ]
            if signed:
                raise ValidationError(
                    {
                        name: "Bara en undertecknande part har undertecknare och datum. Töm "
                        "fältet eller välj rollen ”Undertecknare”."
                        for name in signed
                    }
                )


def validate_party_of_agreement(party: Party | None, agreement_id: int | None) -> None:
    if party is not None and agreement_id is not None and party.agreement_id != agreement_id:
        raise ValidationError(
            {
                "party": f"{party.organisation} är inte part i den här överenskommelsen. "
                "Välj en av överenskommelsens parter eller lägg först till organisationen som part."
            }
        )


class Goal(models.Model):
    agreement = models.ForeignKey(
        Agreement, verbose_name="överenskommelse", on_delete=models.CASCADE, related_name="goals"
    )
    text = models.TextField("mål")
    party = models.ForeignKey(
        Party,
        verbose_name="part",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="goals",
        help_text="Tomt för ett gemensamt mål för alla parter.",
    )
    indicator = models.CharField(
        "indikator",
        max_length=300,
        blank=True,
        help_text="Vad som mäts, till exempel ”andel i arbete eller studier efter 90 dagar”.",
    )
    unit = models.CharField("enhet", max_length=50, blank=True, help_text="Till exempel %, antal.")
    baseline_value = models.DecimalField(
        "utgångsvärde", max_digits=12, decimal_places=2, null=True, blank=True
    )
    baseline_year = models.PositiveSmallIntegerField(
        "utgångsår", null=True, blank=True, validators=YEAR_VALIDATORS
    )
    target_value = models.DecimalField(
        "målvärde", max_digits=12, decimal_places=2, null=True, blank=True
    )
    target_year = models.PositiveSmallIntegerField(
        "målår", null=True, blank=True, validators=YEAR_VALIDATORS
    )
    order = models.PositiveIntegerField("ordning", default=0)

    objects = AgreementChildQuerySet.as_manager()

    class Meta:
        verbose_name = "mål"
        verbose_name_plural = "mål"
        ordering = ["agreement", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(baseline_year__isnull=True)
                | Q(target_year__isnull=True)
                | Q(baseline_year__lte=F("target_year")),
                name="goal_baseline_before_target",
                violation_error_message="Utgångsåret kan inte vara efter målåret.",
            ),
            models.CheckConstraint(
                condition=Q(baseline_value__isnull=True) | Q(baseline_year__isnull=False),
                name="goal_baseline_has_year",
                violation_error_message="Ange vilket år utgångsvärdet gäller.",
            ),
            models.CheckConstraint(
                condition=Q(target_value__isnull=True) | Q(target_year__isnull=False),
                name="goal_target_has_year",
                violation_error_message="Ange vilket år målvärdet ska vara nått.",
            ),
        ]

    def __str__(self):
        return self.text if len(self.text) <= 80 else f"{self.text[:79]}…"

    @property
    def is_measurable(self) -> bool:
        return bool(self.indicator) and self.target_value is not None

    def clean(self):
        validate_party_of_agreement(self.party, self.agreement_id)


ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024


def validate_pdf(file) -> None:
    if file.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            f"Filen är {file.size / 1024 / 1024:.1f} MB. Största tillåtna storlek är 20 MB.",
            code="file_too_large",
        )
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(1024)
    file.seek(position)
    if b"%PDF-" not in head:
        raise ValidationError("Filen är inte en PDF. Bara PDF-filer kan bifogas.", code="not_a_pdf")
    from agreements.attachments import pdf_check_readable

    pdf_check_readable(file)


class AttachmentKind(models.TextChoices):
    SIGNED_ORIGINAL = "signed_original", "Undertecknat original"
    ANNEX = "annex", "Bilaga"


class Attachment(models.Model):
    agreement = models.ForeignKey(
        Agreement,
        verbose_name="överenskommelse",
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    title = models.CharField("rubrik", max_length=300)
    kind = models.CharField(
        "typ", max_length=20, choices=AttachmentKind.choices, default=AttachmentKind.ANNEX
    )
    file = models.FileField(
        "fil",
        upload_to="attachments/%Y/",
        validators=[validate_pdf],
        help_text="PDF, högst 20 MB.",
    )
    extracted_text = models.TextField(
        "text ur filen", blank=True, editable=False, help_text="Används för sökning."
    )
    uploaded_at = models.DateTimeField("uppladdad", auto_now_add=True)

    objects = AgreementChildQuerySet.as_manager()

    class Meta:
        verbose_name = "bilaga"
        verbose_name_plural = "bilagor"
        ordering = ["agreement", "kind", "title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        """Served only while the agreement is published (and to staff who may read it)."""
        return reverse(
            "agreements:attachment", kwargs={"slug": self.agreement.lineage.slug, "pk": self.pk}
        )


class SearchDocument(models.Model):
    """An agreement's weighted Swedish search document, in a table of its own: ranking a search
    reads the document of every match, and beside the agreement's long texts that meant
    reading the whole agreements table. Written only by agreements.search."""

    # The foreign key is the database's own, ON DELETE CASCADE (migration 0012): while an
    # agreement is deleted, its parts' deletion signals write its document again.
    agreement = models.OneToOneField(
        Agreement,
        verbose_name="överenskommelse",
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="search_document",
    )
    vector = SearchVectorField(
        "sökindex",
        help_text="Viktad svensk fulltext: titel (A), syfte och mål (B), åtaganden och avsnitt "
        "(C), parter och bilagor (D).",
    )

    class Meta:
        verbose_name = "sökindex"
        verbose_name_plural = "sökindex"
        indexes = [GinIndex(fields=["vector"], name="search_document_vector")]

    def __str__(self):
        return f"Sökindex för {self.agreement_id}"


class CatalogueEntry(models.Model):
    """What the catalogue finds, shows and counts an agreement version by, derived from the
    agreement and its parts: a read model beside the agreement, so that the history and the
    optimistic locking, which see the agreement's row, never see it. Written only by
    agreements.search, in the same statement as the SearchDocument (kept apart: ranking reads
    every match's document, and these texts would double the rows it reads)."""

    # The foreign key is the database's own, ON DELETE CASCADE (migration 0013), as for
    # SearchDocument.
    agreement = models.OneToOneField(
        Agreement,
        verbose_name="överenskommelse",
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="catalogue_entry",
    )
    search_text = models.TextField(
        "söktext", blank=True, help_text="Texten som sökträffarnas utdrag tas ur."
    )
    search_terms = models.TextField(
        "namn för stavningstolerant sökning",
        blank=True,
        help_text="Titel, län, kommuner och parter med å, ä, ö skrivna a, a, o, för pg_trgm.",
    )
    facet_municipalities = ArrayField(
        models.BigIntegerField(),
        verbose_name="kommuner",
        default=list,
        blank=True,
        help_text="Överenskommelsens kommuner.",
    )
    facet_organisations = ArrayField(
        models.BigIntegerField(),
        verbose_name="organisationer",
        default=list,
        blank=True,
        help_text="Parternas organisationer.",
    )
    facet_organisation_kinds = ArrayField(
        models.CharField(max_length=30),
        verbose_name="typer av organisation",
        default=list,
        blank=True,
        help_text="Parternas typer av organisation.",
    )
    facet_themes = ArrayField(
        models.BigIntegerField(),
        verbose_name="teman",
        default=list,
        blank=True,
        help_text="Överenskommelsens teman och dess åtagandens teman.",
    )
    facet_target_groups = ArrayField(
        models.BigIntegerField(),
        verbose_name="målgrupper",
        default=list,
        blank=True,
        help_text="Överenskommelsens målgrupper.",
    )

    class Meta:
        verbose_name = "katalogpost"
        verbose_name_plural = "katalogposter"
        indexes = [
            GinIndex(
                fields=["search_terms"], opclasses=["gin_trgm_ops"], name="catalogue_search_terms"
            ),
            # The facets beside the id, so that building the catalogue's index reads this
            # index rather than the rows with their texts.
            models.Index(
                fields=["agreement"],
                include=[
                    "facet_municipalities",
                    "facet_organisations",
                    "facet_organisation_kinds",
                    "facet_themes",
                    "facet_target_groups",
                ],
                name="catalogue_facets",
            ),
            GinIndex(fields=["facet_municipalities"], name="catalogue_facet_municipalities"),
            GinIndex(fields=["facet_organisations"], name="catalogue_facet_organisations"),
            GinIndex(fields=["facet_themes"], name="catalogue_facet_themes"),
        ]

    def __str__(self):
        return f"Katalogpost för {self.agreement_id}"


class CatalogueState(models.Model):
    """One row whose token changes with every change to what the public catalogue shows
    (agreements/catalogue_index.py rebuilds its in-memory index when it sees a new token)."""

    token = models.UUIDField(
        "ändringsmarkör",
        default=uuid.uuid4,
        help_text="Byts vid varje ändring av det katalogen visar; sätts av registret självt.",
    )

    class Meta:
        verbose_name = "katalogens ändringsmarkör"
        verbose_name_plural = "katalogens ändringsmarkör"

    def __str__(self):
        return str(self.token)


class TransactionIdField(models.Field):
    """PostgreSQL's 64-bit transaction id (xid8), which never wraps around."""

    description = "PostgreSQL-transaktions-id"

    def db_type(self, connection):
        return "xid8"


class CatalogueChange(models.Model):
    """One staff write's published versions, noted in the write's own transaction: the
    catalogue's index reads only the changes committed after the snapshot it was read in
    (agreements/catalogue_index.py), rather than every published version again."""

    agreement_ids = ArrayField(
        models.BigIntegerField(),
        verbose_name="versioner",
        null=True,
        blank=True,
        help_text="Versionerna (överenskommelsernas id) som ändrades; tomt betyder att allt "
        "läses om (t.ex. ett nytt namn på en kommun eller organisation).",
    )
    transaction_id = TransactionIdField(
        "transaktion",
        db_default=models.Func(
            function="pg_current_xact_id", output_field=models.BigIntegerField()
        ),
        editable=False,
        help_text="Transaktionen som gjorde ändringen; sätts av databasen.",
    )
    changed_at = models.DateTimeField(
        "ändrad",
        db_default=Now(),
        editable=False,
        db_index=True,
        help_text="Rader äldre än ett dygn tas bort när katalogen läses om från början.",
    )

    class Meta:
        verbose_name = "katalogändring"
        verbose_name_plural = "katalogändringar"

    def __str__(self):
        return f"Katalogändring {self.pk}"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Väntar på att sparas"
    RUNNING = "running", "Sparas"
    DONE = "done", "Sparad"
    FAILED = "failed", "Inte sparad"


class JobAction(models.TextChoices):
    IMPORT = "import", "Import"
    PUBLISH = "publish", "Publicering"


class ImportJob(models.Model):
    """A background job of the import workflow (agreements/tasks.py): a big import file
    saved all or nothing, or many selected agreements published, each all or nothing. `saved`
    is written outside the job's transaction, so that the status page shows how far it has
    come while nothing is yet committed."""

    action = models.CharField(
        "jobb", max_length=10, choices=JobAction.choices, default=JobAction.IMPORT
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="importerad av",
        on_delete=models.CASCADE,
        related_name="import_jobs",
    )
    filename = models.CharField("fil", max_length=255, blank=True)
    content = models.BinaryField(
        "filens innehåll",
        blank=True,
        help_text="Filen som laddades upp; tas bort när jobbet är klart.",
    )
    agreement_ids = models.JSONField(
        "överenskommelser",
        default=list,
        blank=True,
        help_text="De markerade överenskommelserna som publiceras (id:n).",
    )
    status = models.CharField(
        "läge", max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    total = models.PositiveIntegerField(
        "överenskommelser",
        default=0,
        help_text="Hur många överenskommelser filen har, eller hur många som är markerade.",
    )
    saved = models.PositiveIntegerField(
        "sparade hittills",
        default=0,
        help_text="Hur många som är skrivna (import) eller prövade (publicering) i jobbets "
        "transaktion, inget syns förrän alla är det; när en publicering är klar: hur många "
        "som publicerades.",
    )
    errors = models.JSONField(
        "fel",
        default=list,
        blank=True,
        help_text="Varför filen inte sparades, rad för rad; eller vilka överenskommelser som "
        "inte publicerades och varför.",
    )
    created_at = models.DateTimeField("skapad", auto_now_add=True)
    finished_at = models.DateTimeField("klar", null=True, blank=True)

    class Meta:
        verbose_name = "importjobb"
        verbose_name_plural = "importjobb"

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

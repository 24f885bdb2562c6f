from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Manager, Q

from actors.validators import format_organisation_number, validate_organisation_number


def within(first, last, day) -> bool:
    """Whether the day lies in a period whose first or last day may be unknown (open)."""
    return (first is None or first <= day) and (last is None or day <= last)


class TodaysCountyManager(models.Manager):
    """Today's counties: the ones that have not been merged into another."""

    def get_queryset(self):
        return super().get_queryset().filter(valid_until__isnull=True)


class County(models.Model):
    code = models.CharField(
        "länskod",
        max_length=2,
        validators=[RegexValidator(r"^\d{2}$", "Länskoden är två siffror, till exempel 25.")],
        help_text="SCB:s tvåsiffriga länskod, till exempel 25 för Norrbottens län. Ett nytt län "
        "kan ha fått ett tidigare läns kod (12 var Malmöhus län och är Skåne län), så koden är "
        "unik bara bland dagens län.",
    )
    letter_code = models.CharField(
        "länsbokstav",
        max_length=2,
        help_text="Länsbokstaven, till exempel BD för Norrbottens län. Unik bland dagens län.",
    )
    name = models.CharField("namn", max_length=100, unique=True, help_text="Länets namn.")
    slug = models.SlugField(
        "kortnamn i adresser",
        unique=True,
        help_text="Länets namn i adresser; ett tidigare län skrivs med det i överenskommelsens "
        "data (malmohus-lan), eftersom dess kod kan höra till ett län i dag.",
    )
    valid_from = models.DateField(
        "bildat",
        null=True,
        blank=True,
        help_text="Första dagen länet fanns, om det bildades 1995 eller senare; annars tomt.",
    )
    valid_until = models.DateField(
        "upphörde",
        null=True,
        blank=True,
        help_text="Sista dagen länet fanns. Tomt för dagens län.",
    )
    successor = models.ForeignKey(
        "self",
        verbose_name="uppgick i",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
        help_text="Länet som det upphörda länet uppgick i, till exempel Skåne län för "
        "Malmöhus län.",
    )
    geometry = models.JSONField(
        "geometri",
        null=True,
        blank=True,
        editable=False,
        help_text="Förenklad gräns (GeoJSON, SWEREF 99 TM) från SCB, för kartor.",
    )

    all_objects = Manager()
    objects = TodaysCountyManager()

    class Meta:
        verbose_name = "län"
        verbose_name_plural = "län"
        ordering = ["code", "valid_from"]
        default_manager_name = "objects"
        base_manager_name = "all_objects"
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(valid_until__isnull=True),
                name="county_code_unique_today",
                violation_error_message="Ett av dagens län har redan den länskoden.",
            ),
            models.UniqueConstraint(
                fields=["letter_code"],
                condition=Q(valid_until__isnull=True),
                name="county_letter_code_unique_today",
                violation_error_message="Ett av dagens län har redan den länsbokstaven.",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_from__lte=models.F("valid_until")),
                name="county_valid_dates_in_order",
                violation_error_message="”Upphörde” kan inte vara före ”bildat”.",
            ),
            models.CheckConstraint(
                condition=Q(successor__isnull=True) | Q(valid_until__isnull=False),
                name="county_successor_only_when_ended",
                violation_error_message="Bara ett län som har upphört kan ha uppgått i ett annat.",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_current(self) -> bool:
        return self.valid_until is None

    def exists_on(self, day) -> bool:
        return within(self.valid_from, self.valid_until, day)


class Municipality(models.Model):
    code = models.CharField(
        "kommunkod",
        max_length=4,
        unique=True,
        validators=[RegexValidator(r"^\d{4}$", "Kommunkoden är fyra siffror, till exempel 2580.")],
        help_text="SCB:s fyrsiffriga kommunkod; de två första siffrorna är länskoden.",
    )
    name = models.CharField("namn", max_length=100)
    slug = models.SlugField("kortnamn i adresser", unique=True)
    county = models.ForeignKey(
        County,
        verbose_name="län",
        on_delete=models.PROTECT,
        related_name="municipalities",
        help_text="Länet som kommunen ligger i i dag. Vilket län den låg i tidigare står i "
        "länstillhörigheterna.",
    )
    geometry = models.JSONField(
        "geometri",
        null=True,
        blank=True,
        editable=False,
        help_text="Förenklad gräns (GeoJSON, SWEREF 99 TM) från SCB, för kartor.",
    )
    valid_from = models.DateField(
        "bildad",
        null=True,
        blank=True,
        help_text="Första dagen kommunen fanns, om den bildades 1995 eller senare (Knivsta "
        "2003-01-01); annars tomt.",
    )
    valid_until = models.DateField(
        "upphörde",
        null=True,
        blank=True,
        help_text="Sista dagen kommunen fanns. Tomt för dagens kommuner.",
    )
    formed_from = models.ManyToManyField(
        "self",
        verbose_name="bildad ur",
        symmetrical=False,
        blank=True,
        related_name="parts_formed",
        help_text="Kommunen eller kommunerna som den nya kommunen delades ut ur, till exempel "
        "Uppsala för Knivsta.",
    )

    class Meta:
        verbose_name = "kommun"
        verbose_name_plural = "kommuner"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_from__lte=models.F("valid_until")),
                name="municipality_valid_dates_in_order",
                violation_error_message="”Upphörde” kan inte vara före ”bildad”.",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.code and self.county_id and not self.code.startswith(self.county.code):
            raise ValidationError(
                {
                    "county": f"Kommunkoden {self.code} hör till län {self.code[:2]}, "
                    f"inte till {self.county} ({self.county.code})."
                }
            )

    def exists_on(self, day) -> bool:
        return within(self.valid_from, self.valid_until, day)


class CountyMembership(models.Model):
    """Which county a municipality belonged to, from when to when (actors/boundaries.py)."""

    municipality = models.ForeignKey(
        Municipality,
        verbose_name="kommun",
        on_delete=models.CASCADE,
        related_name="memberships",
        help_text="Kommunen, under sitt nuvarande namn och sin nuvarande kod.",
    )
    county = models.ForeignKey(
        County,
        verbose_name="län",
        on_delete=models.PROTECT,
        related_name="memberships",
        help_text="Länet som kommunen låg i under perioden; kan vara ett län som har upphört.",
    )
    code = models.CharField(
        "kommunkod under perioden",
        max_length=4,
        validators=[RegexValidator(r"^\d{4}$", "Kommunkoden är fyra siffror, till exempel 1917.")],
        help_text="SCB:s kommunkod under perioden, till exempel 1917 för Heby i Västmanlands "
        "län (i dag 0331).",
    )
    valid_from = models.DateField(
        "från",
        help_text="Första dagen i länet: 1995-01-01 (där registrets gränshistoria börjar), "
        "kommunens första dag eller dagen den flyttades hit.",
    )
    valid_until = models.DateField(
        "till",
        null=True,
        blank=True,
        help_text="Sista dagen i länet. Tomt om kommunen ligger kvar där.",
    )

    class Meta:
        verbose_name = "länstillhörighet"
        verbose_name_plural = "länstillhörigheter"
        ordering = ["municipality__code", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "valid_from"],
                name="county_membership_one_start_per_municipality",
                violation_error_message="Kommunen har redan en länstillhörighet från den dagen.",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_from__lte=models.F("valid_until")),
                name="county_membership_dates_in_order",
                violation_error_message="”Till” kan inte vara före ”från”.",
            ),
        ]

    def __str__(self):
        until = self.valid_until.isoformat() if self.valid_until else ""
        return f"{self.municipality} i {self.county} {self.valid_from.isoformat()}–{until}"


class OrganisationKind(models.TextChoices):
    NATIONAL_AGENCY = "national_agency", "Statlig myndighet"
    COUNTY_BOARD = "county_board", "Länsstyrelse"
    MUNICIPALITY = "municipality", "Kommun"
    REGION = "region", "Region/landsting"
    MUNICIPAL_ASSOCIATION = "municipal_association", "Kommunförbund"
    UNIT = "unit", "Enhet inom myndighet eller kommun"
    CIVIL_SOCIETY = "civil_society", "Civilsamhälle"
    FAITH_COMMUNITY = "faith_community", "Trossamfund"
    BUSINESS = "business", "Näringsliv"
    TRADE_UNION = "trade_union", "Fackförbund"
    UNIVERSITY = "university", "Universitet eller högskola"
    EDUCATION_PROVIDER = "education_provider", "Utbildningsanordnare"
    OTHER = "other", "Annan"


class Organisation(models.Model):
    name = models.CharField(
        "namn",
        max_length=200,
        help_text="Organisationens namn så som den själv skriver det, till exempel "
        "”Arbetsförmedlingen Luleå” eller ”Barn- och utbildningsnämnden, Gällivare kommun”.",
    )
    slug = models.SlugField("kortnamn i adresser", max_length=200, unique=True)
    abbreviation = models.CharField(
        "förkortning", max_length=30, blank=True, help_text="Till exempel Af, AMS eller SKR."
    )
    kind = models.CharField("typ", max_length=30, choices=OrganisationKind.choices)
    organisation_number = models.CharField(
        "organisationsnummer",
        max_length=11,
        blank=True,
        validators=[validate_organisation_number],
        help_text="Tio siffror, NNNNNN-NNNN. Kontrollsiffran prövas. Lämna tomt om okänt.",
    )
    county = models.ForeignKey(
        County,
        verbose_name="län",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        help_text="Länet där organisationen verkar, om den är regional eller lokal.",
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name="kommun",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        help_text="Kommunen där organisationen hör hemma, om den är lokal. "
        "För en kommun som organisation: kommunen själv.",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="ingår i",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        help_text="Den större organisation som detta är en enhet i, till exempel "
        "Arbetsförmedlingen för ”Arbetsförmedlingen Luleå”.",
    )
    active_from = models.DateField("verksam från", null=True, blank=True)
    active_until = models.DateField(
        "verksam till",
        null=True,
        blank=True,
        help_text="Sista dagen organisationen fanns. Tomt om den finns kvar.",
    )
    successor = models.ForeignKey(
        "self",
        verbose_name="efterträdare",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
        help_text="Organisationen som tog över, till exempel Arbetsförmedlingen efter AMS 2008.",
    )

    class Meta:
        verbose_name = "organisation"
        verbose_name_plural = "organisationer"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(active_from__isnull=True)
                | Q(active_until__isnull=True)
                | Q(active_from__lte=models.F("active_until")),
                name="organisation_active_dates_in_order",
                violation_error_message="”Verksam till” kan inte vara före ”verksam från”.",
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")) & ~Q(successor=models.F("id")),
                name="organisation_not_its_own_parent_or_successor",
                violation_error_message=(
                    "En organisation kan inte ingå i eller efterträda sig själv."
                ),
            ),
            models.UniqueConstraint(
                fields=["municipality"],
                condition=Q(kind=OrganisationKind.MUNICIPALITY),
                name="one_municipality_organisation_per_municipality",
                violation_error_message="Kommunen finns redan som organisation.",
            ),
            models.UniqueConstraint(
                fields=["county"],
                condition=Q(kind=OrganisationKind.COUNTY_BOARD),
                name="one_county_board_per_county",
                violation_error_message="Länet har redan en länsstyrelse.",
            ),
        ]
        indexes = [models.Index(fields=["kind"])]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.organisation_number:
            self.organisation_number = format_organisation_number(self.organisation_number)
        if (
            self.municipality_id
            and self.county_id
            and self.municipality.county_id != self.county_id
        ):
            errors["municipality"] = f"{self.municipality} ligger inte i {self.county}."
        if self.kind == OrganisationKind.MUNICIPALITY and not self.municipality_id:
            errors["municipality"] = "Ange vilken kommun organisationen är."
        if self.kind == OrganisationKind.COUNTY_BOARD and not self.county_id:
            errors["county"] = "Ange vilket län länsstyrelsen hör till."
        if errors:
            raise ValidationError(errors)

    def is_active_on(self, day) -> bool:
        return within(self.active_from, self.active_until, day)

    def absence_on(self, day) -> str:
        """Why the organisation cannot have taken part on the day (it was formed later or
        had ceased), naming its predecessors or successor; empty when it existed then."""
        if day is None or self.is_active_on(day):
            return ""
        if self.active_from is not None and day < self.active_from:
            before = ", ".join(str(row) for row in self.predecessors.all())
            return (
                f"{self} fanns inte {day:%Y-%m-%d}: den bildades {self.active_from:%Y-%m-%d}."
                + (f" Före dess: {before}." if before else "")
            )
        after = f" Efterträdare: {self.successor}." if self.successor_id else ""
        return (
            f"{self} fanns inte {day:%Y-%m-%d}: den upphörde {self.active_until:%Y-%m-%d}." + after
        )


class ContactPerson(models.Model):
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="organisation",
        on_delete=models.CASCADE,
        related_name="contacts",
    )
    name = models.CharField(
        "namn", max_length=200, blank=True, help_text="Tomt om källan bara anger en e-postadress."
    )
    title = models.CharField("titel", max_length=200, blank=True)
    email = models.EmailField("e-post", blank=True)
    phone = models.CharField("telefon", max_length=40, blank=True)
    is_public = models.BooleanField(
        "visas publikt",
        default=False,
        help_text="Personuppgifter visas för allmänheten bara när detta är ikryssat.",
    )

    class Meta:
        verbose_name = "kontaktperson"
        verbose_name_plural = "kontaktpersoner"
        ordering = ["organisation__name", "name", "email"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(name="") | ~Q(email=""),
                name="contact_has_name_or_email",
                violation_error_message="Ange namn eller e-postadress.",
            ),
        ]

    def __str__(self):
        return f"{self.name or self.email} ({self.organisation})"


class StaffScopeQuerySet(models.QuerySet):
    def for_user(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)


class StaffScope(models.Model):
    """What a staff member may change: one county, or everything (national editor)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="användare",
        on_delete=models.CASCADE,
        related_name="staff_scopes",
    )
    county = models.ForeignKey(
        County,
        verbose_name="län",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="staff_scopes",
        help_text="Länet vars överenskommelser användaren får ändra.",
    )
    is_national = models.BooleanField(
        "nationell redaktör",
        default=False,
        help_text="Får ändra överenskommelser i alla län och centrala överenskommelser.",
    )

    objects = StaffScopeQuerySet.as_manager()

    class Meta:
        verbose_name = "behörighet"
        verbose_name_plural = "behörigheter"
        constraints = [
            models.CheckConstraint(
                condition=Q(is_national=True, county__isnull=True)
                | Q(is_national=False, county__isnull=False),
                name="staff_scope_is_county_or_national",
                violation_error_message="Välj antingen ett län eller nationell behörighet.",
            ),
            models.UniqueConstraint(
                fields=["user", "county"],
                name="staff_scope_once_per_county",
                violation_error_message="Användaren har redan behörighet för länet.",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(is_national=True),
                name="staff_scope_national_once",
                violation_error_message="Användaren är redan nationell redaktör.",
            ),
        ]

    def __str__(self):
        return f"{self.user}: {'hela landet' if self.is_national else self.county}"


class Scope:
    """The counties a user may change, read once per request from StaffScope: the counties
    of their scope and the former counties merged into them (Malmöhus län into Skåne län)."""

    def __init__(self, *, national: bool, county_ids: frozenset[int]):
        self.national = national
        self.county_ids = county_ids

    @classmethod
    def of(cls, user) -> "Scope":
        if not user.is_authenticated or not user.is_active:
            return cls(national=False, county_ids=frozenset())
        cached = getattr(user, "_registry_scope", None)
        if cached is not None:
            return cached
        rows = list(StaffScope.objects.filter(user=user).values_list("is_national", "county_id"))
        county_ids = frozenset(county_id for _, county_id in rows if county_id)
        if county_ids:  # a county's staff also look after the counties merged into it
            county_ids |= frozenset(
                County.all_objects.filter(successor_id__in=county_ids).values_list("pk", flat=True)
            )
        scope = cls(
            national=user.is_superuser or any(national for national, _ in rows),
            county_ids=county_ids,
        )
        user._registry_scope = scope
        return scope

    @property
    def is_empty(self) -> bool:
        return not self.national and not self.county_ids

    def covers_county(self, county_id: int | None) -> bool:
        """County None is a central agreement: national editors only."""
        return self.national or (county_id is not None and county_id in self.county_ids)

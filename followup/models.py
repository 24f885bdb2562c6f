from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from actors.models import Municipality, Organisation
from agreements.models import YEAR_VALIDATORS, Agreement, Goal, Publication
from commitments.models import Commitment


class FollowUpState(models.TextChoices):
    DRAFT = "draft", "Pågår"
    COMPLETED = "completed", "Avslutad"


class FollowUpQuerySet(models.QuerySet):
    def published(self):
        """Public: completed follow-ups of published agreements."""
        return self.filter(
            state=FollowUpState.COMPLETED, agreement__publication=Publication.PUBLISHED
        )

    def editable_by(self, user):
        from agreements import policy

        return self.filter(policy.editable_filter(user, "agreement__"))


class FollowUp(models.Model):
    agreement = models.ForeignKey(
        Agreement,
        verbose_name="överenskommelse",
        on_delete=models.CASCADE,
        related_name="followups",
    )
    year = models.PositiveSmallIntegerField(
        "år", validators=YEAR_VALIDATORS, help_text="Året som uppföljningen gäller."
    )
    held_on = models.DateField("genomförd", null=True, blank=True)
    method = models.TextField(
        "metod", blank=True, help_text="Till exempel enkät, uppföljningsmöte, intervjuer."
    )
    responsible_organisation = models.ForeignKey(
        Organisation,
        verbose_name="ansvarig organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followups",
    )
    summary = models.TextField("sammanfattning", blank=True)
    conclusions = models.TextField("slutsatser", blank=True)
    revision_recommended = models.BooleanField("revidering rekommenderas", default=False)
    state = models.CharField(
        "status", max_length=10, choices=FollowUpState.choices, default=FollowUpState.DRAFT
    )
    completed_at = models.DateTimeField("avslutad", null=True, blank=True, editable=False)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = "uppföljning"
        verbose_name_plural = "uppföljningar"
        ordering = ["agreement", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "year"],
                name="followup_once_per_agreement_and_year",
                violation_error_message="Överenskommelsen har redan en uppföljning för det året.",
            ),
            models.CheckConstraint(
                condition=Q(state=FollowUpState.DRAFT) | Q(completed_at__isnull=False),
                name="followup_completed_has_date",
                violation_error_message="En avslutad uppföljning måste ha ett datum.",
            ),
        ]

    def __str__(self):
        return f"Uppföljning {self.year}: {self.agreement.title}"


class AssessmentStatus(models.TextChoices):
    # A follow-up starts with every commitment listed; those that last year's follow-up did
    # not assess have no status yet. A follow-up cannot be completed while any is left so.
    NOT_ASSESSED = "", "Ej bedömt än"
    FULFILLED = "fulfilled", "Uppfyllt"
    IN_PROGRESS = "in_progress", "Pågår"
    NOT_STARTED = "not_started", "Ej påbörjat"
    NOT_FULFILLED = "not_fulfilled", "Ej uppfyllt"
    NOT_APPLICABLE = "not_applicable", "Ej aktuellt"


class CommitmentAssessment(models.Model):
    followup = models.ForeignKey(
        FollowUp, verbose_name="uppföljning", on_delete=models.CASCADE, related_name="assessments"
    )
    commitment = models.ForeignKey(
        Commitment, verbose_name="åtagande", on_delete=models.CASCADE, related_name="assessments"
    )
    status = models.CharField(
        "status",
        max_length=20,
        choices=AssessmentStatus.choices,
        blank=True,
        default=AssessmentStatus.NOT_ASSESSED,
        help_text="Förifylld med förra årets bedömning. ”Ej bedömt än” måste ändras innan "
        "uppföljningen kan avslutas; välj ”Ej aktuellt” om åtagandet inte gällde i år.",
    )
    comment = models.TextField("kommentar", blank=True)
    previous_status = models.CharField(
        "förra årets status",
        max_length=20,
        choices=AssessmentStatus.choices,
        blank=True,
        editable=False,
        help_text="Statusen i den senaste avslutade uppföljningen före denna, när "
        "uppföljningen startades.",
    )

    class Meta:
        verbose_name = "bedömning av åtagande"
        verbose_name_plural = "bedömningar av åtaganden"
        ordering = ["followup", "commitment__party__order", "commitment__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["followup", "commitment"],
                name="assessment_once_per_commitment",
                violation_error_message="Åtagandet är redan bedömt i den här uppföljningen.",
            ),
        ]

    def __str__(self):
        return f"{self.commitment}: {self.get_status_display()}"

    @property
    def is_assessed(self) -> bool:
        return self.status != AssessmentStatus.NOT_ASSESSED

    def clean(self):
        if (
            self.followup_id
            and self.commitment_id
            and (self.followup.agreement_id != self.commitment.agreement_id)
        ):
            raise ValidationError(
                {"commitment": "Åtagandet hör till en annan överenskommelse än uppföljningen."}
            )


class GoalOutcome(models.Model):
    followup = models.ForeignKey(
        FollowUp, verbose_name="uppföljning", on_delete=models.CASCADE, related_name="goal_outcomes"
    )
    goal = models.ForeignKey(
        Goal, verbose_name="mål", on_delete=models.CASCADE, related_name="outcomes"
    )
    value = models.DecimalField("utfall", max_digits=12, decimal_places=2, null=True, blank=True)
    achieved = models.BooleanField("uppnått", null=True, blank=True)
    comment = models.TextField("kommentar", blank=True)

    class Meta:
        verbose_name = "utfall för mål"
        verbose_name_plural = "utfall för mål"
        ordering = ["followup", "goal__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["followup", "goal"],
                name="goal_outcome_once_per_goal",
                violation_error_message="Målet har redan ett utfall i den här uppföljningen.",
            ),
        ]

    def __str__(self):
        return f"{self.goal}: {self.value if self.value is not None else '–'}"

    def clean(self):
        if (
            self.followup_id
            and self.goal_id
            and self.followup.agreement_id != self.goal.agreement_id
        ):
            raise ValidationError(
                {"goal": "Målet hör till en annan överenskommelse än uppföljningen."}
            )


class ReceptionFigure(models.Model):
    municipality = models.ForeignKey(
        Municipality,
        verbose_name="kommun",
        on_delete=models.PROTECT,
        related_name="reception_figures",
    )
    year = models.PositiveSmallIntegerField("år", validators=YEAR_VALIDATORS)
    agreed_number = models.PositiveIntegerField(
        "antal enligt överenskommelse",
        help_text="Antal personer som kommunen åtagit sig att ta emot.",
    )
    assigned_number = models.PositiveIntegerField(
        "varav för anvisning",
        null=True,
        blank=True,
        help_text="Varav personer som anvisas av Migrationsverket. Tomt om källan inte anger det.",
    )
    source_agreement = models.ForeignKey(
        Agreement,
        verbose_name="källa",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reception_figures",
        help_text="Överenskommelsen där siffran står.",
    )

    class Meta:
        verbose_name = "mottagandesiffra"
        verbose_name_plural = "mottagandesiffror"
        ordering = ["year", "municipality__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "year", "source_agreement"],
                nulls_distinct=False,
                name="reception_figure_once_per_source",
                violation_error_message="Kommunen har redan en siffra för året från samma källa.",
            ),
            models.CheckConstraint(
                condition=Q(assigned_number__isnull=True)
                | Q(assigned_number__lte=F("agreed_number")),
                name="reception_assigned_within_agreed",
                violation_error_message="”Varav för anvisning” kan inte vara större än antalet.",
            ),
        ]

    def __str__(self):
        return f"{self.municipality} {self.year}: {self.agreed_number}"


class FollowUpEventKind(models.TextChoices):
    STARTED = "started", "Startades"
    COMPLETED = "completed", "Avslutades"
    REOPENED = "reopened", "Öppnades igen"


class FollowUpEvent(models.Model):
    """The history of a follow-up's state: who started, completed or reopened it, when, and
    why it was reopened."""

    followup = models.ForeignKey(
        FollowUp, verbose_name="uppföljning", on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField("händelse", max_length=20, choices=FollowUpEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="av",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followup_events",
    )
    actor_name = models.CharField(
        "namn",
        max_length=150,
        blank=True,
        help_text="Användarnamnet när händelsen inträffade; finns kvar om kontot tas bort.",
    )
    at = models.DateTimeField("tidpunkt", default=timezone.now)
    reason = models.TextField(
        "anledning", blank=True, help_text="Krävs när en avslutad uppföljning öppnas igen."
    )

    class Meta:
        verbose_name = "händelse i uppföljning"
        verbose_name_plural = "händelser i uppföljningar"
        ordering = ["followup", "at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=FollowUpEventKind.REOPENED) | ~Q(reason=""),
                name="followup_reopened_has_reason",
                violation_error_message="Ange varför uppföljningen öppnas igen.",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M} av {self.actor_name or '–'}"

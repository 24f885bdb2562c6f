from django.db import models
from django.db.models import F, Q

from agreements.models import Agreement, AgreementChildQuerySet, Party, validate_party_of_agreement
from registry.vocabulary import VocabularyTerm


class Theme(VocabularyTerm):
    class Meta(VocabularyTerm.Meta):
        verbose_name = "tema"
        verbose_name_plural = "teman"


class TargetGroup(VocabularyTerm):
    class Meta(VocabularyTerm.Meta):
        verbose_name = "målgrupp"
        verbose_name_plural = "målgrupper"


class Phase(models.TextChoices):
    NOT_STATED = "", "Anges inte"
    ASYLUM = "asylum", "Asyltiden"
    ESTABLISHMENT = "establishment", "Introduktion/etablering"
    BOTH = "both", "Båda"


class Commitment(models.Model):
    agreement = models.ForeignKey(
        Agreement,
        verbose_name="överenskommelse",
        on_delete=models.CASCADE,
        related_name="commitments",
    )
    party = models.ForeignKey(
        Party,
        verbose_name="part",
        on_delete=models.CASCADE,
        related_name="commitments",
        help_text="Den part som har åtagit sig detta. Måste vara part i samma överenskommelse.",
    )
    heading = models.CharField(
        "rubrik",
        max_length=300,
        blank=True,
        help_text="Rubriken som dokumentet använder för åtagandet eller gruppen av åtaganden.",
    )
    text = models.TextField("åtagande")
    themes = models.ManyToManyField(
        Theme, verbose_name="teman", blank=True, related_name="commitments"
    )
    target_groups = models.ManyToManyField(
        TargetGroup, verbose_name="målgrupper", blank=True, related_name="commitments"
    )
    phase = models.CharField(
        "fas",
        max_length=20,
        choices=Phase.choices,
        blank=True,
        help_text="Under asyltiden, under introduktionen/etableringen eller båda.",
    )
    responsible_contact = models.ForeignKey(
        "actors.ContactPerson",
        verbose_name="ansvarig kontaktperson",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="commitments",
    )
    period_start = models.DateField("period från", null=True, blank=True)
    period_end = models.DateField("period till", null=True, blank=True)
    deadline = models.DateField("klart senast", null=True, blank=True)
    activity_how = models.TextField(
        "hur", blank=True, help_text="Hur åtagandet genomförs (aktivitetsformat som Södertäljes)."
    )
    activity_when = models.TextField("när", blank=True)
    activity_followup = models.TextField("hur det följs upp", blank=True)
    order = models.PositiveIntegerField("ordning", default=0)

    objects = AgreementChildQuerySet.as_manager()

    class Meta:
        verbose_name = "åtagande"
        verbose_name_plural = "åtaganden"
        ordering = ["agreement", "party__order", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_start__lte=F("period_end")),
                name="commitment_period_in_order",
                violation_error_message="Periodens slut kan inte vara före dess början.",
            ),
        ]

    def __str__(self):
        label = self.heading or self.text
        return label if len(label) <= 80 else f"{label[:79]}…"

    def clean(self):
        if self.party_id:
            validate_party_of_agreement(self.party, self.agreement_id)

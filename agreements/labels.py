"""The Swedish labels of model choices, marked for translation so that `makemessages` puts
them in locale/en; templates translate them with {% translate value %}. The models keep
their plain Swedish labels (the admin is Swedish only); the exports translate them with
gettext (registry/exports.py)."""

from django.utils.translation import gettext_noop

CHOICE_LABELS = [
    # agreements.models.Level
    gettext_noop("Central"),
    gettext_noop("Regional"),
    gettext_noop("Lokal"),
    # agreements.models.Kind
    gettext_noop("Överenskommelse"),
    gettext_noop("Hängavtal"),
    gettext_noop("Intern kommunal överenskommelse"),
    gettext_noop("Tilläggsöverenskommelse"),
    gettext_noop("Avsiktsförklaring"),
    gettext_noop("Överenskommelse om flyktingmottagande"),
    # agreements.models.LegalStatus
    gettext_noop("Gäller"),
    gettext_noop("Börjar gälla senare"),
    gettext_noop("Har upphört"),
    gettext_noop("Ersatt av nyare version"),
    gettext_noop("Giltighet okänd"),
    # agreements.models.FollowUpFrequency
    gettext_noop("Anges inte"),
    gettext_noop("Årligen"),
    gettext_noop("Två gånger per år"),
    gettext_noop("Annat"),
    # agreements.models.PartyRole
    gettext_noop("Undertecknare"),
    gettext_noop("Deltar utan att underteckna"),
    gettext_noop("Adjungerad"),
    # agreements.models.AttachmentKind
    gettext_noop("Undertecknat original"),
    gettext_noop("Bilaga"),
    # actors.models.OrganisationKind
    gettext_noop("Statlig myndighet"),
    gettext_noop("Länsstyrelse"),
    gettext_noop("Kommun"),
    gettext_noop("Region/landsting"),
    gettext_noop("Kommunförbund"),
    gettext_noop("Enhet inom myndighet eller kommun"),
    gettext_noop("Civilsamhälle"),
    gettext_noop("Trossamfund"),
    gettext_noop("Näringsliv"),
    gettext_noop("Fackförbund"),
    gettext_noop("Universitet eller högskola"),
    gettext_noop("Utbildningsanordnare"),
    gettext_noop("Annan"),
    # commitments.models.Phase
    gettext_noop("Asyltiden"),
    gettext_noop("Introduktion/etablering"),
    gettext_noop("Båda"),
    # followup.models.FollowUpState
    gettext_noop("Pågår"),
    gettext_noop("Avslutad"),
    # followup.models.AssessmentStatus ("Pågår" above)
    gettext_noop("Ej bedömt än"),
    gettext_noop("Uppfyllt"),
    gettext_noop("Ej påbörjat"),
    gettext_noop("Ej uppfyllt"),
    gettext_noop("Ej aktuellt"),
]

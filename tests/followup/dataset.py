"""A small, hand-counted dataset in Jämtlands län (county 23), where the seed agreements have
nothing, for the statistics tests. Every expected figure in the tests is worked out from the
comments here.

On ON (1 June 2026) the seeds are not in force (the RÖK and the CÖK ended in 2009 and 2006;
the Stockholm examples have no dates), so national figures on ON come from this data alone.

Agreements (all local unless said otherwise):

A  Östersund + Krokom (multi-municipality), from 2020-01-01.
   Parties: Östersunds kommun, Arbetsförmedlingen; both have commitments.
   Purpose, target-group text, follow-up routine, follow-up responsible, yearly; goals: one
   measurable (indicator + target), one not; perspective gender equality and child.
B  Åre, two versions: v1 from 2018-01-01, v2 signed 2021-12-15, from 2022-01-01 (supersedes v1).
   v2 parties: Åre kommun (has a commitment), Arbetsförmedlingen, Migrationsverket (none);
   v2 tagged with a target group.
C  Berg, annex to A, from 2021-01-01. Parties: Bergs kommun, Arbetsförmedlingen Östersund
   (a unit of Arbetsförmedlingen). No commitments.
D  Ragunda, DRAFT, from 2020-01-01. Never counts.
E  Bräcke, 2019-01-01 to 2026-05-31: in force the day before ON, not on ON.
F  Regional, Jämtlands län, from 2019-01-01. Parties: Länsstyrelsen i Jämtlands län, Region
   Jämtland Härjedalen, Arbetsförmedlingen, Migrationsverket. Purpose, organisation text,
   twice yearly, a goal that is not measurable, child perspective, SFS 2010:197.

Follow-ups for 2025 (completed unless said otherwise):
A 2025: c1 Östersunds kommun [arbete, sfi] fulfilled; c2 Arbetsförmedlingen [arbete]
        in progress; c3 Arbetsförmedlingen [no theme] not applicable.
B v2 2025: c4 Åre kommun [boende] not fulfilled.
D 2025 (draft agreement): a fulfilled commitment [arbete] – never counts.
A 2026: draft follow-up – never counts.
F 2024: completed, but for another year.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from actors.models import County, Municipality, Organisation, OrganisationKind
from agreements.models import (
    Agreement,
    FollowUpFrequency,
    Kind,
    LegalReference,
    Level,
    Perspective,
)
from commitments.models import TargetGroup, Theme
from followup.models import (
    AssessmentStatus,
    CommitmentAssessment,
    FollowUp,
    FollowUpState,
    ReceptionFigure,
)
from tests.factories import (
    AgreementFactory,
    CommitmentFactory,
    GoalFactory,
    OrganisationFactory,
    PartyFactory,
    local_agreement,
)

ON = datetime.date(2026, 6, 1)
JÄMTLAND = "23"


def org(slug: str) -> Organisation:
    return Organisation.objects.get(slug=slug)


@dataclass
class Dataset:
    a: Agreement
    b1: Agreement
    b2: Agreement
    c: Agreement
    d: Agreement
    e: Agreement
    f: Agreement
    county: County


def _parties(agreement, *organisations):
    return [
        PartyFactory(agreement=agreement, organisation=organisation, order=order)
        for order, organisation in enumerate(organisations)
    ]


def _completed(agreement, year) -> FollowUp:
    return FollowUp.objects.create(
        agreement=agreement,
        year=year,
        state=FollowUpState.COMPLETED,
        completed_at=timezone.now(),
        summary="Genomförd.",
    )


def _assess(followup, commitment, status):
    CommitmentAssessment.objects.create(followup=followup, commitment=commitment, status=status)


def build() -> Dataset:
    county = County.objects.get(code=JÄMTLAND)
    af, migrationsverket = org("arbetsformedlingen"), org("migrationsverket")
    theme = {t.slug: t for t in Theme.objects.filter(slug__in=["arbete", "sfi", "boende"])}

    a = local_agreement(
        municipality_codes=["2380", "2309"],
        title="Lokal överenskommelse Östersund och Krokom",
        valid_from=datetime.date(2020, 1, 1),
        purpose="Att nyanlända snabbt kommer i arbete.",
        target_group="Nyanlända i etableringsprogrammet.",
        followup_routine="Styrgruppen följer upp varje höst.",
        followup_responsible=org("ostersunds-kommun"),
        followup_frequency=FollowUpFrequency.YEARLY,
    )
    a.perspectives.set(Perspective.objects.filter(slug__in=["jamstalldhet", "barn"]))
    ostersund, a_af = _parties(a, org("ostersunds-kommun"), af)
    c1 = CommitmentFactory(party=ostersund, text="Erbjuda sfi inom en månad.", order=0)
    c1.themes.set([theme["arbete"], theme["sfi"]])
    c2 = CommitmentFactory(party=a_af, text="Matcha mot lediga jobb.", order=1)
    c2.themes.set([theme["arbete"]])
    c3 = CommitmentFactory(party=a_af, text="Ordna mässa.", order=2)
    GoalFactory(
        agreement=a,
        text="Fler i arbete efter 90 dagar.",
        indicator="andel i arbete efter 90 dagar",
        unit="%",
        target_value=40,
        target_year=2027,
        order=0,
    )
    GoalFactory(agreement=a, text="Bättre samverkan.", order=1)

    b1 = local_agreement(
        municipality_codes=["2321"],
        title="Lokal överenskommelse Åre",
        valid_from=datetime.date(2018, 1, 1),
    )
    b2 = AgreementFactory(
        lineage=b1.lineage,
        version_number=2,
        version_label="Reviderad 2021",
        title="Lokal överenskommelse Åre",
        level=Level.LOCAL,
        county=county,
        municipalities=[Municipality.objects.get(code="2321")],
        signed_on=datetime.date(2021, 12, 15),
        valid_from=datetime.date(2022, 1, 1),
    )
    b2.target_groups.set(TargetGroup.objects.filter(slug="nyanlanda"))
    are, _, _ = _parties(b2, org("are-kommun"), af, migrationsverket)
    c4 = CommitmentFactory(party=are, text="Ordna bostäder.")
    c4.themes.set([theme["boende"]])

    c = local_agreement(
        municipality_codes=["2326"],
        title="Hängavtal Berg",
        kind=Kind.ANNEX,
        annex_to=a,
        valid_from=datetime.date(2021, 1, 1),
    )
    af_ostersund = OrganisationFactory(
        name="Arbetsförmedlingen Östersund",
        slug="arbetsformedlingen-ostersund",
        kind=OrganisationKind.UNIT,
        parent=af,
    )
    _parties(c, org("bergs-kommun"), af_ostersund)

    d = local_agreement(
        municipality_codes=["2303"],
        title="Utkast Ragunda",
        valid_from=datetime.date(2020, 1, 1),
        draft=True,
    )
    (ragunda,) = _parties(d, org("ragunda-kommun"))
    c_draft = CommitmentFactory(party=ragunda, text="Hemligt åtagande.")
    c_draft.themes.set([theme["arbete"]])

    e = local_agreement(
        municipality_codes=["2305"],
        title="Lokal överenskommelse Bräcke",
        valid_from=datetime.date(2019, 1, 1),
        valid_until=ON - datetime.timedelta(days=1),
    )
    _parties(e, org("bracke-kommun"), af)

    f = AgreementFactory(
        title="Regional överenskommelse Jämtland",
        level=Level.REGIONAL,
        county=county,
        valid_from=datetime.date(2019, 1, 1),
        purpose="Samordna länets arbete.",
        organisation="Länsstyrelsen kallar till ett regionalt råd.",
        followup_frequency=FollowUpFrequency.TWICE_YEARLY,
    )
    f.perspectives.set(Perspective.objects.filter(slug="barn"))
    f.legal_references.set(LegalReference.objects.filter(sfs="2010:197"))
    _parties(
        f,
        org("lansstyrelsen-i-jamtlands-lan"),
        org("region-jamtland-harjedalen"),
        af,
        migrationsverket,
    )
    GoalFactory(agreement=f, text="Alla kommuner har en lokal överenskommelse.")

    followup_a = _completed(a, 2025)
    _assess(followup_a, c1, AssessmentStatus.FULFILLED)
    _assess(followup_a, c2, AssessmentStatus.IN_PROGRESS)
    _assess(followup_a, c3, AssessmentStatus.NOT_APPLICABLE)
    followup_b = _completed(b2, 2025)
    _assess(followup_b, c4, AssessmentStatus.NOT_FULFILLED)
    followup_d = _completed(d, 2025)
    _assess(followup_d, c_draft, AssessmentStatus.FULFILLED)
    draft_2026 = FollowUp.objects.create(agreement=a, year=2026)
    _assess(draft_2026, c1, AssessmentStatus.NOT_FULFILLED)
    _completed(f, 2024)

    # Reception figures for 2024: Östersund from A (newest source) and from B v1 (older);
    # Krokom without a source; Berg only in the draft D.
    ReceptionFigure.objects.create(
        municipality=Municipality.objects.get(code="2380"),
        year=2024,
        agreed_number=50,
        assigned_number=20,
        source_agreement=a,
    )
    ReceptionFigure.objects.create(
        municipality=Municipality.objects.get(code="2380"),
        year=2024,
        agreed_number=40,
        assigned_number=40,
        source_agreement=b1,
    )
    ReceptionFigure.objects.create(
        municipality=Municipality.objects.get(code="2309"), year=2024, agreed_number=10
    )
    ReceptionFigure.objects.create(
        municipality=Municipality.objects.get(code="2326"),
        year=2024,
        agreed_number=99,
        assigned_number=9,
        source_agreement=d,
    )
    return Dataset(a=a, b1=b1, b2=b2, c=c, d=d, e=e, f=f, county=county)

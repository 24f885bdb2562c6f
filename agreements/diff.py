"""What changed between two versions of an agreement: parties, goals, commitments, sections
and the facts, with word-level changes marked. Pure Python over loaded versions (use
selectors.agreement_pair_for_diff to load them with their parts)."""

import difflib
import re
from dataclasses import dataclass, field

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement

# Two texts this similar (0–1) are one item changed rather than one removed and one added.
SIMILAR_ENOUGH = 0.5

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")

STANDARD_SECTIONS = [
    ("purpose", _("Syfte")),
    ("background", _("Bakgrund")),
    ("target_group", _("Målgrupp")),
    ("organisation", _("Organisation")),
    ("followup_routine", _("Rutin för uppföljning")),
    ("revision_routine", _("Rutin för revidering")),
    ("disagreement_handling", _("Hantering av oenighet")),
    ("communication", _("Kommunikation och kontaktvägar")),
]


@dataclass(frozen=True)
class Segment:
    kind: str  # "same", "added" or "removed"
    text: str


@dataclass
class ChangedText:
    label: str
    old: str
    new: str

    @property
    def segments(self) -> list[Segment]:
        return word_diff(self.old, self.new)


@dataclass
class ItemChanges:
    added: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    changed: list[ChangedText] = field(default_factory=list)
    unchanged: int = 0

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@dataclass
class PartyChange:
    organisation: str
    changes: list[str]


@dataclass
class AgreementDiff:
    old: Agreement
    new: Agreement
    facts: list[ChangedText]
    parties_added: list[str]
    parties_removed: list[str]
    parties_changed: list[PartyChange]
    goals: ItemChanges
    commitments: list[tuple[str, ItemChanges]]
    sections: ItemChanges

    @property
    def any(self) -> bool:
        return bool(
            self.facts
            or self.parties_added
            or self.parties_removed
            or self.parties_changed
            or self.goals.any
            or any(changes.any for _, changes in self.commitments)
            or self.sections.any
        )


def word_diff(old: str, new: str) -> list[Segment]:
    """The new text with the words removed and added since the old one; whitespace is
    attached to the words around it so that the marks cover whole words."""
    a, b = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    segments: list[Segment] = []

    def add(kind, tokens):
        text = "".join(tokens)
        if not text:
            return
        if segments and segments[-1].kind == kind:
            segments[-1] = Segment(kind, segments[-1].text + text)
        else:
            segments.append(Segment(kind, text))

    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            add("same", a[i1:i2])
        else:
            add("removed", a[i1:i2])
            add("added", b[j1:j2])
    return segments


def similarity(old: str, new: str) -> float:
    matcher = difflib.SequenceMatcher(None, _TOKENS.findall(old), _TOKENS.findall(new))
    if matcher.real_quick_ratio() < SIMILAR_ENOUGH or matcher.quick_ratio() < SIMILAR_ENOUGH:
        return 0.0
    return matcher.ratio()


def match_items(old: list, new: list, *, text, label) -> ItemChanges:
    """Pair old and new items: identical texts first, then the most similar ones; what is
    left over was removed or added."""
    changes = ItemChanges()
    old_left, new_left = list(old), list(new)
    for item in list(new_left):
        twin = next((o for o in old_left if text(o) == text(item)), None)
        if twin is not None:
            old_left.remove(twin)
            new_left.remove(item)
            changes.unchanged += 1
    candidates = sorted(
        (
            (similarity(text(o), text(n)), i, j)
            for i, o in enumerate(old_left)
            for j, n in enumerate(new_left)
        ),
        key=lambda c: (-c[0], c[1], c[2]),
    )
    paired_old, paired_new, pairs = set(), set(), []
    for score, i, j in candidates:
        if score < SIMILAR_ENOUGH:
            break
        if i in paired_old or j in paired_new:
            continue
        paired_old.add(i)
        paired_new.add(j)
        pairs.append((j, old_left[i], new_left[j]))
    for _position, o, n in sorted(pairs, key=lambda p: p[0]):
        changes.changed.append(ChangedText(label(n), text(o), text(n)))
    changes.removed = [o for i, o in enumerate(old_left) if i not in paired_old]
    changes.added = [n for j, n in enumerate(new_left) if j not in paired_new]
    return changes


def _party_facts(party) -> dict[str, str]:
    return {
        str(_("roll")): party.get_role_display(),
        str(_("sammankallande")): str(_("ja")) if party.is_convener else str(_("nej")),
        str(_("undertecknad av")): ", ".join(
            p for p in (party.signatory_name, party.signatory_title) if p
        ),
        str(_("undertecknad")): _date(party.signed_on),
    }


def _goal_text(goal) -> str:
    parts = [goal.text]
    if goal.indicator:
        parts.append(f"{_('Indikator')}: {goal.indicator}")
    if goal.baseline_value is not None:
        parts.append(
            f"{_('Utgångsvärde')}: {goal.baseline_value} {goal.unit} ({goal.baseline_year})"
        )
    if goal.target_value is not None:
        parts.append(f"{_('Målvärde')}: {goal.target_value} {goal.unit} ({goal.target_year})")
    return " – ".join(parts)


def _commitment_text(commitment) -> str:
    return "\n".join(p for p in (commitment.heading, commitment.text) if p)


def _date(value) -> str:
    return date_format(value) if value else ""


def _written(value) -> str:
    """A partial date as it was written ("mars 2009"), in the page's language."""
    return str(value) if value else ""


def _names(items) -> str:
    return ", ".join(str(item) for item in items)


def agreement_diff(old: Agreement, new: Agreement) -> AgreementDiff:
    facts = []
    for label, value in [
        (_("Titel"), lambda a: a.title),
        (_("Versionsbeteckning"), lambda a: a.version_label),
        (_("Undertecknad"), lambda a: _written(a.signed_on_partial)),
        (_("Gäller från"), lambda a: _written(a.valid_from_partial)),
        (_("Gäller till"), lambda a: _written(a.valid_until_partial)),
        (_("Kommuner"), lambda a: _names(a.municipalities.all())),
        (_("Teman"), lambda a: _names(a.themes.all())),
        (_("Målgrupper"), lambda a: _names(a.target_groups.all())),
        (_("Perspektiv"), lambda a: _names(a.perspectives.all())),
        (_("Författningar"), lambda a: _names(a.legal_references.all())),
    ]:
        if value(old) != value(new):
            facts.append(ChangedText(str(label), value(old), value(new)))

    old_parties = {p.organisation_id: p for p in old.parties.all()}
    new_parties = {p.organisation_id: p for p in new.parties.all()}
    parties_added = [str(p.organisation) for k, p in new_parties.items() if k not in old_parties]
    parties_removed = [str(p.organisation) for k, p in old_parties.items() if k not in new_parties]
    parties_changed = []
    for key, party in new_parties.items():
        if key in old_parties:
            before, after = _party_facts(old_parties[key]), _party_facts(party)
            changes = [
                f"{name}: {before[name] or '–'} → {after[name] or '–'}"
                for name in after
                if before[name] != after[name]
            ]
            if changes:
                parties_changed.append(PartyChange(str(party.organisation), changes))

    goals = match_items(
        list(old.goals.all()), list(new.goals.all()), text=_goal_text, label=lambda g: ""
    )

    def commitments_of(agreement):
        grouped: dict[int, tuple[str, list]] = {}
        for party in agreement.parties.all():
            grouped[party.organisation_id] = (
                str(party.organisation),
                list(party.commitments.all()),
            )
        return grouped

    old_commitments, new_commitments = commitments_of(old), commitments_of(new)
    commitments = []
    for key in list(new_commitments) + [k for k in old_commitments if k not in new_commitments]:
        name = (new_commitments.get(key) or old_commitments[key])[0]
        changes = match_items(
            old_commitments.get(key, ("", []))[1],
            new_commitments.get(key, ("", []))[1],
            text=_commitment_text,
            label=lambda c: c.heading,
        )
        if changes.any:
            commitments.append((name, changes))

    sections = ItemChanges()
    for attribute, label in STANDARD_SECTIONS:
        before, after = getattr(old, attribute), getattr(new, attribute)
        if before == after:
            continue
        if before and after:
            sections.changed.append(ChangedText(str(label), before, after))
        elif after:
            sections.added.append(ChangedText(str(label), "", after))
        else:
            sections.removed.append(ChangedText(str(label), before, ""))
    old_sections = {s.heading: s.text for s in old.sections.all()}
    new_sections = {s.heading: s.text for s in new.sections.all()}
    for heading, text in new_sections.items():
        if heading not in old_sections:
            sections.added.append(ChangedText(heading, "", text))
        elif old_sections[heading] != text:
            sections.changed.append(ChangedText(heading, old_sections[heading], text))
    for heading, text in old_sections.items():
        if heading not in new_sections:
            sections.removed.append(ChangedText(heading, text, ""))

    return AgreementDiff(
        old=old,
        new=new,
        facts=facts,
        parties_added=parties_added,
        parties_removed=parties_removed,
        parties_changed=parties_changed,
        goals=goals,
        commitments=commitments,
        sections=sections,
    )

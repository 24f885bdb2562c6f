"""Swedish full-text search over agreements, after djangoproject.com's docs search.

Each agreement has a stored, weighted search document (SearchDocument.vector, GIN-indexed, in
a narrow table of its own so that ranking every match does not read the agreements' texts):

- A: title and alias
- B: purpose and goals
- C: the other standard sections, extra sections, commitments, themes and target groups
- D: county, municipalities, parties (names, abbreviations, signatories) and attachment text

It is rewritten by `agreement_search_refresh` whenever the agreement or one of its parts
changes (see agreements/signals.py), together with the agreement's CatalogueEntry: the text
snippets are taken from, the names for the trigram fallback and the facet arrays
(facet_municipalities, facet_themes …) that the catalogue counts and filters on. Both are read
models beside the agreement: its history and optimistic locking never see them. Each refresh
also tells the catalogue's in-memory index that the registry changed
(agreements/catalogue_index.py).

Words are read with the text search configuration `registry_swedish`
(agreements/search_dictionary.py): Swedish dictionary forms from hunspell-sv, so that plurals
with umlaut ("bostäder" → bostad) and compounds ("samhällsorienteringen" → samhällsorientering,
samhälls, orientering) are found, and the snowball stemmer for words the dictionary does not know.
A query is read as websearch syntax ("quotes", -word, or) and each word is widened before it is
searched (search_query): a word of five letters or more also finds the words it begins
("arbetsmarknad" finds "arbetsmarknadsinsatser"), and a word or phrase of the field's synonym
list (agreements/search_synonyms.py: SO, Af, sfi, boende …) finds its synonyms.

Snippets (headline) are cut from the text people wrote (purpose, goals, sections, commitments,
attachments), never from the names the index adds (county, municipalities, parties, themes).

When the words are found nowhere, a trigram fallback (pg_trgm word similarity) matches names
spelled almost alike: "Norrboten", "Sodertalje". Only that fallback folds å, ä, ö to a, a, o;
the full-text search keeps them apart, as Swedish does. When even that finds nothing, the
catalogue suggests themes, organisations and spellings (search_suggestions).
"""

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchQueryField,
    SearchRank,
    TrigramWordSimilarity,
)
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Coalesce, Greatest, Least, Lower, NullIf, StrIndex, Substr
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from agreements.search_synonyms import LONGEST, SYNONYMS

SEARCH_CONFIG = "registry_swedish"  # agreements/search_dictionary.py

# Words this long also find the words they begin: compounds and their linking forms.
PREFIX_MIN_LENGTH = 5

# A search is read up to this many words (in phrases too; "or" not counted) and characters.
# A longer one is refused where it enters (validate_search_query, the FilterSet's q) with a
# sentence that says so; the functions here read only the first words of anything longer, so
# that no query builds an expression deeper than the parsers' stacks.
MAX_SEARCH_WORDS = 32
MAX_SEARCH_CHARS = 500

# Only for the trigram fallback column and the words looked up in it.
_FOLD_FROM = "åäöéèêëáàâüæøçñíìóòú"
_FOLD_TO = "aaoeeeeaaauaocniioou"
_FOLD = str.maketrans(_FOLD_FROM, _FOLD_TO)

# Sentinels for ts_headline: the text is escaped first, then they become <mark>.
_START, _STOP = "\u27e6", "\u27e7"

# Attachments can hold a whole book; a tsvector holds at most 1 MB.
_ATTACHMENT_CHARS = 100_000


# Sorting by title in Swedish order without ICU: å, ä, ö become the three characters after
# z in byte order, other accented letters their base letter (as registry.text does).
_SORT_FROM = "åäæöøéèêáàüíóúçñ"
_SORT_TO = "{||}}eeeaayiouc" + "n"


_SORT_TABLE = str.maketrans(_SORT_FROM, _SORT_TO)


@lru_cache(maxsize=100_000)  # titles seldom change: the catalogue index sorts them again
def swedish_title_sort_key(title: str) -> str:
    """swedish_title_key() in Python, for sorting titles already read: the same mapping,
    compared by code point as COLLATE "C" compares UTF-8 bytes."""
    return title.lower().translate(_SORT_TABLE)


def swedish_title_key():
    return Func(
        Lower("title"),
        Value(_SORT_FROM),
        Value(_SORT_TO),
        function="translate",
        template='%(function)s(%(expressions)s) COLLATE "C"',
    )


def fold(text: str) -> str:
    """Lower case without diacritics, for the trigram fallback only."""
    return text.lower().translate(_FOLD)


# Inflections: of a synonym list's word: "bostaden", "landstinget", "civilsamhället".
_ENDINGS = ("erna", "arna", "orna", "ens", "ets", "en", "et", "na", "er", "ar", "or", "n", "t", "s")
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"[\w-]+")


class _Lexemes(SearchQuery):
    """A tsquery given as its text, already read by the dictionary (_lexemes)."""

    def __init__(self, text: str):
        super().__init__(text, search_type="raw")

    def as_sql(self, compiler, connection, function=None, template=None):
        return super().as_sql(compiler, connection, function, "(%(expressions)s)::tsquery")


_LEXEMES: dict[str, str] = {}


def _lexemes(words) -> dict[str, str]:
    """Each word as the dictionary reads it, a tsquery's text, asked for once per process.
    The parts of a compound must stand where the compound stands: PostgreSQL joins them with
    & (anywhere in the text), here they get <0> (the same position), so that
    "samhällsorientering" does not find "samhällsservice … orientering"."""
    missing = sorted({word for word in words if word not in _LEXEMES})
    if missing:
        if len(_LEXEMES) > 10_000:
            _LEXEMES.clear()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT w, plainto_tsquery(%s::regconfig, w)::text FROM unnest(%s::text[]) AS w",
                [SEARCH_CONFIG, missing],
            )
            for word, text in cursor.fetchall():
                # A hyphenated word's parts have positions of their own: those keep their &.
                _LEXEMES[word] = text if "-" in word else text.replace(" & ", " <0> ")
    return {word: _LEXEMES[word] for word in words}


def _word_query(word: str) -> SearchQuery:
    """One word, and when it is long enough the words it begins as typed ("arbetsmarknad" →
    "arbetsmarknads…"). Only as typed: the dictionary's parts of a compound as prefixes
    ("arbets" of "arbetsförmedlingen") would find every word they begin."""
    query = _Lexemes(_lexemes([word])[word])
    stem = _without_ending(word)
    if len(stem) >= PREFIX_MIN_LENGTH and _WORD.fullmatch(stem):
        query = query | SearchQuery(f"'{stem}':*", search_type="raw", config="simple")
    return query


def _without_ending(word: str) -> str:
    """The word without a definite or plural ending, for prefix matching only:
    "uppföljningen" → "uppföljning", which begins "uppföljningsmöte"."""
    for ending in _ENDINGS[:10]:  # not the one-letter endings
        if word.endswith(ending) and len(word) - len(ending) >= PREFIX_MIN_LENGTH:
            return word[: -len(ending)]
    return word


def _phrase_query(phrase: str) -> SearchQuery:
    return SearchQuery(phrase, search_type="phrase", config=SEARCH_CONFIG)


def _any_of(alternatives) -> SearchQuery:
    combined = None
    for text in alternatives:
        words = text.split()
        part = _word_query(words[0]) if len(words) == 1 else _phrase_query(text)
        combined = part if combined is None else combined | part
    return combined


def _clean(word: str) -> str:
    return "".join(_WORD.findall(word.lower())).strip("-")


def _synonym_key(words: tuple[str, ...]) -> tuple[str, ...]:
    """The synonym list's key for the words, their last word also without an inflection."""
    if words in SYNONYMS:
        return words
    last = words[-1]
    for ending in _ENDINGS:
        stem = (*words[:-1], last[: -len(ending)])
        if last.endswith(ending) and stem in SYNONYMS:
            return stem
    return words


def _search_word_count(query: str) -> int:
    return sum(
        len(phrase.split()) if phrase else word.lower() != "or"
        for _negated, phrase, word in _TOKEN.findall(query)
    )


def validate_search_query(query: str) -> None:
    """Refuses a search longer than the registry reads (MAX_SEARCH_WORDS), in Swedish."""
    count = _search_word_count(query)
    if count > MAX_SEARCH_WORDS:
        raise ValidationError(
            gettext("Sökningen får ha högst %(limit)s ord; den har %(count)s.")
            % {"limit": MAX_SEARCH_WORDS, "count": count},
            code="too_many_words",
        )


def search_terms(query: str, *, synonyms: bool = True) -> list[tuple[str, tuple[str, ...]]]:
    """The query as websearch syntax, each term ("word", "phrase", "not", "or") with what it
    is searched as: a word or phrase of the synonym list as all its synonyms (unless not
    `synonyms`). Only the first MAX_SEARCH_WORDS words are read."""
    items = []
    words = 0
    for negated, phrase, word in _TOKEN.findall(query[: MAX_SEARCH_CHARS * 2]):
        words += len(phrase.split()) if phrase else word.lower() != "or"
        if words > MAX_SEARCH_WORDS:
            break
        if phrase:
            items.append(("not" if negated else "phrase", (phrase,)))
        elif word.lower() == "or":
            items.append(("or", ()))
        elif word.startswith("-") and _clean(word):
            items.append(("not", (_clean(word),)))
        elif _clean(word):
            items.append(("word", (_clean(word),)))
    terms = []
    position = 0
    while position < len(items):
        kind, texts = items[position]
        if kind == "word" and synonyms:
            for length in range(min(LONGEST, len(items) - position), 0, -1):
                run = items[position : position + length]
                if any(item[0] != "word" for item in run):
                    continue
                key = _synonym_key(tuple(item[1][0] for item in run))
                if key in SYNONYMS:
                    original = " ".join(key)
                    group = SYNONYMS[key]
                    texts = (original, *(text for text in group if text != original))
                    position += length - 1
                    break
        terms.append((kind, texts))
        position += 1
    return terms


def _search_query(query: str, synonyms: bool) -> SearchQuery:
    combined = pending_or = None
    terms = search_terms(query, synonyms=synonyms)
    # All the words in one round trip.
    _lexemes([text for kind, texts in terms if kind == "word" for text in texts if " " not in text])
    for kind, texts in terms:
        if kind == "or":
            pending_or = combined is not None
            continue
        # Excluded words exactly as written, not the words they begin.
        part = ~_phrase_query(texts[0]) if kind == "not" else _any_of(texts)
        if combined is None:
            combined = part
        elif pending_or:
            combined = combined | part
        else:
            combined = combined & part
        pending_or = False
    if combined is None:
        # No word to search for: punctuation only. Read as plain text, as websearch syntax a
        # few hundred "-" or "(" overflow PostgreSQL's tsquery stack.
        return SearchQuery(query[:MAX_SEARCH_CHARS], search_type="plain", config=SEARCH_CONFIG)
    return combined


def search_query(query: str, *, synonyms: bool = True) -> SearchQuery:
    """The query as one tsquery: websearch syntax, each word widened (see the module's text)."""
    return _search_query(query.strip(), synonyms)


class _AnyWord(Func):
    """The tsquery with every AND and phrase operator made OR, for ts_rank: the parts of a
    compound share one position, and ts_rank scores an AND of words at one position as
    nothing (ts_rank_cd scores it, but is many times slower on long documents). Which
    agreements match is decided by the whole query; this only weighs them."""

    template = "regexp_replace((%(expressions)s)::text, '&|<[0-9]*->|<[0-9]+>', '|', 'g')::tsquery"
    output_field = SearchQueryField()


class _AnyTerm(_AnyWord):
    """The tsquery for ts_headline: its ANDs made OR, since the window may hold only one of two
    words searched for, and ts_headline given both would mark nothing and show the window's
    first words; without the parts of a compound read as a whole word, since ts_headline marks
    every word holding any part ("arbets" of "arbetsförmedlingen" in "arbetsplats")."""

    template = (
        "regexp_replace(regexp_replace((%(expressions)s)::text,"
        " ' \\| ''[^'']+'' <0> ''[^'']+''( <0> ''[^'']+'')*', '', 'g'), '&', '|', 'g')::tsquery"
    )


def _full_text_rank(vector: str, query: str):
    """The rank of the words, plus as much again for the words as typed: an agreement with
    the visitor's own word comes before one found through a synonym only."""
    rank = SearchRank(F(vector), _AnyWord(search_query(query)))
    if search_terms(query) != search_terms(query, synonyms=False):
        own_words = search_query(query, synonyms=False)
        rank = rank + SearchRank(F(vector), _AnyWord(own_words))
    return rank


def fallback_words(query: str) -> list[str]:
    """The words to look up by spelling: websearch operators and excluded words dropped."""
    words = []
    for token in query.split():
        if token.startswith("-") or token.lower() == "or":
            continue
        words += [w for w in re.findall(r"\w+", fold(token)) if len(w) >= 3]
    return words[:MAX_SEARCH_WORDS]


def full_text_filter(queryset, query: str):
    return queryset.filter(search_document__vector=search_query(query))


def similar_filter(queryset, query: str):
    words = fallback_words(query)
    if not words:
        return queryset.none()
    condition = Q()
    for word in words:
        condition &= Q(catalogue_entry__search_terms__trigram_word_similar=word)
    return queryset.filter(condition)


def rank_expression(query: str, *, full_text: bool):
    if full_text:
        return _full_text_rank("search_document__vector", query)
    words = fallback_words(query) or [query[:MAX_SEARCH_CHARS]]
    rank = TrigramWordSimilarity(Value(words[0]), "catalogue_entry__search_terms")
    for word in words[1:]:
        rank = rank + TrigramWordSimilarity(Value(word), "catalogue_entry__search_terms")
    return rank


def finds_words(queryset, query: str) -> bool:
    """Whether full-text search finds anything in the queryset; if not, use the fallback."""
    return full_text_filter(queryset, query).exists()


def agreements_search(queryset, query: str):
    """Full-text matches ranked by relevance (annotation `rank`), or when there are none, the
    agreements whose names are spelled like the words."""
    query = (query or "").strip()
    if not query:
        return queryset.none()
    if finds_words(queryset, query):
        matches = full_text_filter(queryset, query)
        full_text = True
    else:
        matches = similar_filter(queryset, query)
        full_text = False
    return matches.annotate(rank=rank_expression(query, full_text=full_text)).order_by(
        "-rank", "pk"
    )


def match_ranks(query: str, *, full_text: bool, ranked: bool):
    """(agreement id, rank) of every match, the rank 0 unless `ranked`. Full-text matches are
    read from the search documents alone, drafts included: the caller keeps the published
    versions it knows (the catalogue index)."""
    from agreements.models import Agreement, SearchDocument

    if full_text:
        words = search_query(query)
        rank = _full_text_rank("vector", query) if ranked else Value(0.0)
        return SearchDocument.objects.filter(vector=words).values_list("agreement_id", rank)
    rank = rank_expression(query, full_text=False) if ranked else Value(0.0)
    return similar_filter(Agreement.objects.published(), query).values_list("pk", rank)


# ts_headline reads its whole text through the dictionary, which is slow for long agreements:
# it gets this much of the written text, from a little before the first search word.
SNIPPET_WINDOW = 700
SNIPPET_LEAD = 150


def _snippet_words(query: str) -> list[str]:
    """Lower-case strings that begin the window: the words and phrases searched for, without
    their endings, and the singular of a plural with umlaut ("bostäder" → "bostad"). Found as
    substrings, so a compound's part finds the compound ("orientering")."""
    from agreements.search_dictionary import UMLAUT_PLURALS

    words = set()
    for kind, texts in search_terms(query):
        if kind in ("word", "phrase"):
            for text in texts:
                text = text.lower()
                words.update({text, _without_ending(text)})
                for singular, plural in UMLAUT_PLURALS:
                    if plural in text:
                        words.add(text[: text.index(plural)] + singular)
    return sorted(word for word in words if len(word) >= 3)


def _snippet_text(query: str):
    text = F("catalogue_entry__search_text")
    positions = [
        NullIf(StrIndex(Lower(text), Value(word)), Value(0)) for word in _snippet_words(query)
    ]
    if not positions:
        return Substr(text, 1, SNIPPET_WINDOW)
    first = Coalesce(Least(*positions) if len(positions) > 1 else positions[0], Value(1))
    start = Greatest(first - Value(SNIPPET_LEAD), Value(1))
    return Substr(text, start, SNIPPET_WINDOW)


def headline(query: str) -> SearchHeadline:
    return SearchHeadline(
        _snippet_text(query),
        _AnyTerm(search_query(query)),
        config=SEARCH_CONFIG,
        start_sel=_START,
        stop_sel=_STOP,
        max_words=30,
        min_words=12,
        max_fragments=2,
        fragment_delimiter=" … ",
    )


def snippet_html(raw: str | None) -> SafeString:
    """ts_headline's output as safe HTML: the agreement's text escaped, the matches marked."""
    if not raw:
        return mark_safe("")
    html = escape(raw).replace(_START, "<mark>").replace(_STOP, "</mark>")
    return mark_safe(html)  # escaped above; only our own <mark> is added


def _tables():
    from actors.models import County, Municipality, Organisation
    from agreements.models import (
        Agreement,
        AgreementSection,
        Attachment,
        CatalogueEntry,
        Goal,
        Party,
        SearchDocument,
    )
    from commitments.models import Commitment, TargetGroup, Theme

    q = connection.ops.quote_name
    return {
        "agreement": q(Agreement._meta.db_table),
        "search_document": q(SearchDocument._meta.db_table),
        "catalogue_entry": q(CatalogueEntry._meta.db_table),
        "county": q(County._meta.db_table),
        "municipality": q(Municipality._meta.db_table),
        "organisation": q(Organisation._meta.db_table),
        "goal": q(Goal._meta.db_table),
        "section": q(AgreementSection._meta.db_table),
        "party": q(Party._meta.db_table),
        "attachment": q(Attachment._meta.db_table),
        "commitment": q(Commitment._meta.db_table),
        "theme": q(Theme._meta.db_table),
        "target_group": q(TargetGroup._meta.db_table),
        "agreement_municipalities": q(Agreement.municipalities.through._meta.db_table),
        "agreement_themes": q(Agreement.themes.through._meta.db_table),
        "agreement_target_groups": q(Agreement.target_groups.through._meta.db_table),
        "commitment_themes": q(Commitment.themes.through._meta.db_table),
    }


_REFRESH_SQL = """
WITH parts AS (
  SELECT a.id,
    concat_ws(' ', a.title, a.alias) AS a_text,
    concat_ws(E'\\n', a.purpose,
      (SELECT string_agg(concat_ws(' ', g.text, g.indicator), E'\\n' ORDER BY g."order", g.id)
         FROM {goal} g WHERE g.agreement_id = a.id)) AS b_text,
    concat_ws(E'\\n', a.background, a.target_group, a.organisation, a.followup_routine,
      a.revision_routine, a.disagreement_handling, a.communication,
      (SELECT string_agg(concat_ws(E'\\n', s.heading, s.text), E'\\n' ORDER BY s."order", s.id)
         FROM {section} s WHERE s.agreement_id = a.id),
      (SELECT string_agg(concat_ws(E'\\n', c.heading, c.text, c.activity_how, c.activity_when,
                                   c.activity_followup), E'\\n' ORDER BY c."order", c.id)
         FROM {commitment} c WHERE c.agreement_id = a.id)) AS c_text,
    concat_ws(E'\\n',
      (SELECT string_agg(DISTINCT t.name, ', ') FROM {theme} t
         WHERE t.id IN (SELECT at.theme_id FROM {agreement_themes} at WHERE at.agreement_id = a.id)
            OR t.id IN (SELECT ct.theme_id FROM {commitment_themes} ct
                          JOIN {commitment} c ON c.id = ct.commitment_id
                         WHERE c.agreement_id = a.id)),
      (SELECT string_agg(tg.name, ', ' ORDER BY tg.name) FROM {target_group} tg
         JOIN {agreement_target_groups} atg ON atg.targetgroup_id = tg.id
        WHERE atg.agreement_id = a.id)) AS c_labels,
    concat_ws(E'\\n', county.name,
      (SELECT string_agg(m.name, ', ' ORDER BY m.name) FROM {municipality} m
         JOIN {agreement_municipalities} am ON am.municipality_id = m.id
        WHERE am.agreement_id = a.id),
      (SELECT string_agg(concat_ws(' ', o.name, o.abbreviation, p.signatory_name,
                                   p.signatory_title), E'\\n' ORDER BY p."order", p.id)
         FROM {party} p JOIN {organisation} o ON o.id = p.organisation_id
        WHERE p.agreement_id = a.id)) AS d_names,
    (SELECT string_agg(concat_ws(E'\\n', at.title, left(at.extracted_text, {attachment_chars})),
                       E'\\n' ORDER BY at.id)
       FROM {attachment} at WHERE at.agreement_id = a.id) AS d_text,
    concat_ws(' ', a.title, a.alias, county.name,
      (SELECT string_agg(m.name, ' ' ORDER BY m.name) FROM {municipality} m
         JOIN {agreement_municipalities} am ON am.municipality_id = m.id
        WHERE am.agreement_id = a.id),
      (SELECT string_agg(concat_ws(' ', o.name, o.abbreviation), ' ' ORDER BY p."order", p.id)
         FROM {party} p JOIN {organisation} o ON o.id = p.organisation_id
        WHERE p.agreement_id = a.id),
      (SELECT string_agg(t.name, ' ' ORDER BY t.name) FROM {theme} t
         JOIN {agreement_themes} at ON at.theme_id = t.id WHERE at.agreement_id = a.id)
    ) AS terms
  FROM {agreement} a LEFT JOIN {county} county ON county.id = a.county_id
  WHERE {where}
),
documents AS (
  INSERT INTO {search_document} (agreement_id, vector)
  SELECT p.id,
    setweight(to_tsvector('{config}', p.a_text), 'A')
    || setweight(to_tsvector('{config}', p.b_text), 'B')
    || setweight(to_tsvector('{config}', concat_ws(E'\\n', p.c_text, p.c_labels)), 'C')
    || setweight(to_tsvector('{config}', concat_ws(E'\\n', p.d_names, p.d_text)), 'D')
  FROM parts p
  ON CONFLICT (agreement_id) DO UPDATE SET vector = EXCLUDED.vector
)
INSERT INTO {catalogue_entry} (agreement_id, search_text, search_terms, facet_municipalities,
  facet_organisations, facet_organisation_kinds, facet_themes, facet_target_groups)
SELECT p.id,
  -- Snippets: only what people wrote, not the names and labels added above.
  concat_ws(E'\\n', p.b_text, p.c_text, p.d_text),
  translate(lower(p.terms), '{fold_from}', '{fold_to}'),
  ARRAY(
    SELECT am.municipality_id FROM {agreement_municipalities} am
     WHERE am.agreement_id = p.id ORDER BY 1),
  ARRAY(
    SELECT pa.organisation_id FROM {party} pa WHERE pa.agreement_id = p.id ORDER BY 1),
  ARRAY(
    SELECT DISTINCT o.kind FROM {party} pa JOIN {organisation} o ON o.id = pa.organisation_id
     WHERE pa.agreement_id = p.id ORDER BY 1),
  ARRAY(
    SELECT at.theme_id FROM {agreement_themes} at WHERE at.agreement_id = p.id
    UNION
    SELECT ct.theme_id FROM {commitment_themes} ct
      JOIN {commitment} c ON c.id = ct.commitment_id WHERE c.agreement_id = p.id
    ORDER BY 1),
  ARRAY(
    SELECT atg.targetgroup_id FROM {agreement_target_groups} atg
     WHERE atg.agreement_id = p.id ORDER BY 1)
FROM parts p
ON CONFLICT (agreement_id) DO UPDATE SET
  search_text = EXCLUDED.search_text,
  search_terms = EXCLUDED.search_terms,
  facet_municipalities = EXCLUDED.facet_municipalities,
  facet_organisations = EXCLUDED.facet_organisations,
  facet_organisation_kinds = EXCLUDED.facet_organisation_kinds,
  facet_themes = EXCLUDED.facet_themes,
  facet_target_groups = EXCLUDED.facet_target_groups
"""


def _refresh(where: str, params: list) -> None:
    sql = _REFRESH_SQL.format(
        where=where,
        config=SEARCH_CONFIG,
        fold_from=_FOLD_FROM,
        fold_to=_FOLD_TO,
        attachment_chars=_ATTACHMENT_CHARS,
        **_tables(),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _catalogue_changed(agreement_ids) -> None:
    # Imported here: catalogue_index imports the models, and the models import this module.
    from agreements.catalogue_index import catalogue_changed

    catalogue_changed(agreement_ids=agreement_ids)


def agreement_search_refresh(*, agreement_ids, catalogue: bool = True) -> None:
    """Rewrite the search document and catalogue entry of these agreements from their current
    parts: one statement, whatever the number of agreements. Does not touch the agreements.
    `catalogue`: also tell the catalogue's index (agreements/signals.py does so only when a
    published version changed)."""
    ids = sorted({int(pk) for pk in agreement_ids if pk is not None})
    if ids:
        _refresh("a.id = ANY(%s)", [ids])
        if catalogue:
            _catalogue_changed(ids)


def agreement_search_refresh_all(*, catalogue: bool = True) -> None:
    """Every agreement's search document and catalogue entry (`catalogue`: and tell the
    catalogue's index to read everything again)."""
    _refresh("TRUE", [])
    if catalogue:
        _catalogue_changed(None)


# -- when nothing is found -------------------------------------------------------------------


@dataclass
class Suggestions:
    """What the catalogue offers when a search finds nothing: themes and organisations whose
    names are like the words, and the query spelt as the registry's own words are."""

    themes: list
    organisations: list
    spellings: list[str]

    def __bool__(self) -> bool:
        return bool(self.themes or self.organisations or self.spellings)


def _alike(word: str, name: str) -> bool:
    """Whether a folded query word is like a name: one of its words begins with it, or is
    spelt almost as it."""
    name_words = re.findall(r"\w+", fold(name))
    return any(
        part.startswith(word) or (len(word) >= 4 and word in part) or _spelt_alike(word, part)
        for part in name_words
    )


def _spelt_alike(word: str, other: str) -> bool:
    """difflib's ratio of at least 0.8, its cheap upper bounds tried first (as
    difflib.get_close_matches does)."""
    matcher = difflib.SequenceMatcher(None, word, other)
    return (
        matcher.real_quick_ratio() >= 0.8
        and matcher.quick_ratio() >= 0.8
        and matcher.ratio() >= 0.8
    )


def _vocabulary(names) -> dict[str, str]:
    """Folded word → the word as written, from the registry's names and the synonym list."""
    words = {}
    # Each distinct word once, in the order first written (a title's words repeat in many).
    for word in dict.fromkeys(re.findall(r"\w{4,}", "\n".join(names))):
        if not word.isdigit():
            words.setdefault(fold(word), word.lower())
    return words


@dataclass(frozen=True)
class SuggestionSources:
    """What suggestions are chosen among: the themes and organisations of the published
    agreements, and the registry's own words (folded → as written) from their titles, those
    names and the synonym list. The same for every search until the registry changes."""

    themes: list
    organisations: list
    vocabulary: dict[str, str]

    @property
    def size(self) -> int:
        """Roughly its bytes in memory."""
        return 200 * (len(self.vocabulary) + len(self.themes) + len(self.organisations))


def suggestion_sources(published) -> SuggestionSources:
    """The suggestions' sources for these published agreements (one version of each)."""
    from actors.models import Organisation
    from agreements.models import CatalogueEntry
    from commitments.models import Theme

    theme_ids, organisation_ids = set(), set()
    entries = CatalogueEntry.objects.filter(agreement__in=published)
    for themes_of, organisations_of in entries.values_list("facet_themes", "facet_organisations"):
        theme_ids.update(themes_of)
        organisation_ids.update(organisations_of)
    themes = list(Theme.objects.filter(pk__in=theme_ids))
    organisations = list(Organisation.objects.filter(pk__in=organisation_ids).order_by("name"))
    # Place names are left to the spelling fallback, which has already answered.
    names = [
        *published.values_list("title", flat=True),
        *(theme.name for theme in themes),
        *(organisation.name for organisation in organisations),
        *(" ".join(group) for group in SYNONYMS.values()),
    ]
    return SuggestionSources(themes, organisations, _vocabulary(names))


def search_suggestions(query: str, sources: Callable[[], SuggestionSources]) -> Suggestions:
    """Themes and organisations of the published agreements whose names are like the words
    of a query that found nothing, and the query spelt with the registry's words; `sources()`
    gives what they are chosen among (suggestion_sources), asked only when the query has
    words to look up."""
    words = fallback_words(query)
    if not words:
        return Suggestions([], [], [])
    found = sources()
    themes = [theme for theme in found.themes if any(_alike(word, theme.name) for word in words)]
    organisations = [
        organisation
        for organisation in found.organisations
        if any(
            _alike(word, organisation.name) or word == fold(organisation.abbreviation)
            for word in words
        )
    ][:8]
    vocabulary = found.vocabulary
    spellings = []
    query_words = re.findall(r"\w+", query)[:MAX_SEARCH_WORDS]
    replaced = []
    changed = False
    for word in query_words:
        folded = fold(word)
        if len(folded) < 3 or folded in vocabulary:
            replaced.append(word)
            continue
        close = difflib.get_close_matches(folded, vocabulary.keys(), n=1, cutoff=0.75)
        if close:
            replaced.append(vocabulary[close[0]])
        changed = True  # corrected, or left out: a word like nothing here finds nothing
    if changed and replaced:
        spellings.append(" ".join(replaced))
    return Suggestions(themes=themes, organisations=organisations, spellings=spellings)

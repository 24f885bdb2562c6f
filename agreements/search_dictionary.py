"""The text search configuration `registry_swedish`: Swedish words reduced to their dictionary
form, compounds split into their parts, the snowball stemmer for words no dictionary knows.

    registry_swedish = registry_sv_ispell (hunspell-sv) → swedish_stem (snowball)

PostgreSQL's ispell template reads Debian's Swedish hunspell dictionary (package hunspell-sv,
LibreOffice's dictionary, MPL-2.0; /usr/share/hunspell/sv_SE.dic and .aff). It knows the
inflections ("bostaden" → bostad) and splits compounds ("samhällsorienteringen" →
samhällsorientering, samhälls, orientering), so that a search for one part finds the whole.
Two things PostgreSQL's reader does not do are done here while the files are written:

- suffixes that make a compound's first part ("marknad" + s → "marknads-") carry flags of their
  own in hunspell (twofold affixes), which PostgreSQL ignores: they are written out as words of
  the dictionary, as the dictionary itself does for "arbets" and "samhälls";
- plurals with umlaut ("bostäder", "städer", "böcker", "män") are listed as words of their own
  in hunspell-sv: a suffix rule of ours (UMLAUT_PLURALS) joins them to their singular.

The files are written into the server's tsearch_data directory when the server is on this
machine and the directory writable (the embedded server always; the machine's PostgreSQL when
we run as its owner or root). For a server elsewhere, `manage.py search_dictionary DIR` writes
them for its administrator to copy (README, "Sökningen").
"""

import os
import re
from functools import lru_cache
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, transaction

CONFIG = "registry_swedish"
DICTIONARY = "registry_sv_ispell"
FILE_STEM = "registry_sv"  # registry_sv.dict, registry_sv.affix in tsearch_data
HUNSPELL_DIR = Path(os.environ.get("REGISTRY_HUNSPELL_DIR", "/usr/share/hunspell"))
HUNSPELL_NAME = "sv_SE"

# Token types that are words: the dictionary first, snowball for what it does not know.
WORD_TOKENS = "asciiword, asciihword, hword_asciipart, word, hword, hword_part"

# (singular, plural) of Swedish nouns whose plural changes the vowel. The rule applies to every
# dictionary word that ends in the singular, so "bostad" and "storstad" follow "stad".
UMLAUT_PLURALS = [
    ("stad", "städer"),
    ("bok", "böcker"),
    ("fot", "fötter"),
    ("rot", "rötter"),
    ("son", "söner"),
    ("bonde", "bönder"),
    ("man", "män"),
    ("natt", "nätter"),
    ("stång", "stänger"),
    ("tång", "tänger"),
    ("ledamot", "ledamöter"),
    ("bror", "bröder"),
    ("mor", "mödrar"),
    ("far", "fäder"),
    ("dotter", "döttrar"),
    ("hand", "händer"),
    ("tand", "tänder"),
    ("strand", "stränder"),
    ("brand", "bränder"),
    ("land", "länder"),
]
UMLAUT_FLAG = "q"  # not used by hunspell-sv 7.5

_MISSING = (
    "Sökningens svenska ordlista saknas på databasservern: installera Debians paket hunspell-sv "
    "(apt-get install hunspell-sv) och kör `manage.py setup_registry`, eller för en server på en "
    "annan dator `manage.py search_dictionary KATALOG` och kopiera filerna till serverns "
    "$(pg_config --sharedir)/tsearch_data (se README, Sökningen)."
)


def _plural_forms(plural: str) -> list[str]:
    """Indefinite and definite plural, with genitive s: städer, städerna, städers, städernas."""
    if plural.endswith(("er", "ar")):
        forms = [plural, plural + "na"]
    else:  # män, männen
        last = plural[-1]
        forms = [plural, plural + last + "en"]
    return forms + [form + "s" for form in forms]


def _umlaut_affix_block() -> str:
    rules = []
    for singular, plural in UMLAUT_PLURALS:
        common = os.path.commonprefix([singular, plural])  # noqa: RUF071 (letters, not paths)
        strip = singular[len(common) :] or "0"
        for form in _plural_forms(plural):
            rules.append(f"SFX {UMLAUT_FLAG} {strip} {form[len(common) :]} {singular}")
    header = f"SFX {UMLAUT_FLAG} Y {len(rules)}"
    return "\n# Registry: plurals with umlaut\n" + "\n".join([header, *rules]) + "\n"


def _suffix_rules(affix_lines: list[str]) -> list[tuple[str, str, str, str, re.Pattern]]:
    """(flag, strip, add, continuation flags, condition) of the suffixes whose result carries
    flags of its own: the forms a word takes as a compound's first or middle part."""
    rules = []
    for line in affix_lines:
        parts = line.split()
        if len(parts) < 5 or parts[0] != "SFX" or "/" not in parts[3]:
            continue
        flag, strip, add_flags, condition = parts[1], parts[2], parts[3], parts[4]
        add, flags = add_flags.split("/", 1)
        strip = "" if strip == "0" else strip
        add = "" if add == "0" else add
        rules.append((flag, strip, add, flags, re.compile(f"(?:{condition})$")))
    return rules


@lru_cache(maxsize=1)
def dictionary_files() -> dict[str, str]:
    """The two files of the ispell dictionary, by name, made from hunspell-sv."""
    aff_path = HUNSPELL_DIR / f"{HUNSPELL_NAME}.aff"
    dic_path = HUNSPELL_DIR / f"{HUNSPELL_NAME}.dic"
    if not (aff_path.exists() and dic_path.exists()):
        raise ImproperlyConfigured(_MISSING)
    affix = aff_path.read_text(encoding="utf-8")
    affix_lines = affix.splitlines()
    compound_rules = _suffix_rules(affix_lines)
    endings = tuple(singular for singular, _plural in UMLAUT_PLURALS)

    words = []
    known = set()
    for line in dic_path.read_text(encoding="utf-8").splitlines()[1:]:
        word, _, flags = line.partition("/")
        if not word:
            continue
        known.add(word)
        if word.islower() and word.endswith(endings):
            flags += UMLAUT_FLAG
        words.append((word, flags))
    extra = []
    for word, flags in words:
        for flag, strip, add, continuation, condition in compound_rules:
            if flag in flags and condition.search(word) and (not strip or word.endswith(strip)):
                form = word[: len(word) - len(strip)] + add
                if form not in known:
                    known.add(form)
                    extra.append((form, continuation))
    lines = [f"{word}/{flags}" if flags else word for word, flags in words + extra]
    return {
        f"{FILE_STEM}.affix": affix.rstrip("\n") + "\n" + _umlaut_affix_block(),
        f"{FILE_STEM}.dict": f"{len(lines)}\n" + "\n".join(lines) + "\n",
    }


def write_dictionary_files(directory: Path) -> list[Path]:
    """Write the files into `directory` unless they are there already; returns those written."""
    written = []
    for name, text in dictionary_files().items():
        path = directory / name
        data = text.encode("utf-8")
        if path.exists() and path.read_bytes() == data:
            continue
        temporary = path.with_name(f".{name}.{os.getpid()}")
        temporary.write_bytes(data)
        temporary.chmod(0o644)
        temporary.replace(path)  # a backend reading the old file never sees half a file
        written.append(path)
    return written


def _server_tsearch_dir(cursor) -> Path | None:
    """The server's tsearch_data directory when it is on this machine and we may write there."""
    try:
        with transaction.atomic(using=cursor.db.alias):
            cursor.execute("SELECT setting FROM pg_config WHERE name = 'SHAREDIR'")
            row = cursor.fetchone()
    except DatabaseError:  # not a superuser: pg_config is theirs only
        return None
    directory = Path(row[0]) / "tsearch_data" if row else None
    if directory and (directory / "swedish.stop").exists() and os.access(directory, os.W_OK):
        return directory
    return None


def _exists(cursor, catalog: str, name: str) -> bool:
    """Whether the dictionary (pg_ts_dict) or configuration (pg_ts_config) is in our schema."""
    prefix = "dict" if catalog == "pg_ts_dict" else "cfg"
    cursor.execute(
        f"SELECT 1 FROM pg_catalog.{catalog} WHERE {prefix}name = %s "
        f"AND {prefix}namespace = current_schema()::regnamespace",
        [name],
    )
    return cursor.fetchone() is not None


def search_configuration_ensure(connection) -> None:
    """Install the dictionary's files where the server can read them (when it can be done from
    here) and create the dictionary and `registry_swedish` in the database, if missing. Raises
    ImproperlyConfigured with what to do when the server cannot read the dictionary."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        directory = _server_tsearch_dir(cursor)
        if directory is not None and (HUNSPELL_DIR / f"{HUNSPELL_NAME}.dic").exists():
            write_dictionary_files(directory)
        if not _exists(cursor, "pg_ts_dict", DICTIONARY):
            try:
                with transaction.atomic(using=connection.alias):
                    cursor.execute(
                        f"CREATE TEXT SEARCH DICTIONARY {DICTIONARY} (TEMPLATE = ispell, "
                        f"DictFile = {FILE_STEM}, AffFile = {FILE_STEM}, StopWords = swedish)"
                    )
            except DatabaseError as error:
                raise ImproperlyConfigured(_MISSING) from error
        else:
            try:  # the files can vanish with a reinstalled server: load them to find out
                with transaction.atomic(using=connection.alias):
                    cursor.execute(f"SELECT ts_lexize('{DICTIONARY}', 'bostad')")
            except DatabaseError as error:
                raise ImproperlyConfigured(_MISSING) from error
        if not _exists(cursor, "pg_ts_config", CONFIG):
            cursor.execute(f"CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = pg_catalog.swedish)")
            cursor.execute(
                f"ALTER TEXT SEARCH CONFIGURATION {CONFIG} ALTER MAPPING FOR {WORD_TOKENS} "
                f"WITH {DICTIONARY}, pg_catalog.swedish_stem"
            )

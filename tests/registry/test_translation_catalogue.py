"""The English catalogue: it compiles, the committed .mo is the compiled .po, and every entry is a
translation that says its thing once, with the placeholders of its Swedish original."""

import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\w*\}")
SENTENCE_END = re.compile(r"(?<=[.!?])\s*(?=[A-ZÅÄÖ%(])")


def _catalogue(mo: Path) -> dict:
    with mo.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)._catalog
    return {key: value for key, value in catalogue.items() if key != ""}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> dict:
    if not shutil.which("msgfmt"):
        pytest.skip("gettext (msgfmt) is not installed")
    mo = tmp_path_factory.mktemp("locale") / "django.mo"
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", str(mo), str(LOCALE / "django.po")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return _catalogue(mo)


def _entries(compiled: dict):
    """(msgid, msgstr) pairs; a plural entry gives each of its forms."""
    for key, value in compiled.items():
        msgid = key[0] if isinstance(key, tuple) else key
        yield msgid.split("\x04")[-1], value


def _placeholders(text: str) -> set[str]:
    return {match.group(0) for match in PLACEHOLDER.finditer(text)}


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_END.split(text) if len(s.strip()) > 12]


def test_committed_mo_is_the_compiled_po(compiled):
    assert _catalogue(LOCALE / "django.mo") == compiled, (
        "Kompilera om: manage.py compilemessages -l en"
    )


def _problems(msgid: str, msgstr: str) -> list[str]:
    if not msgstr.strip():
        return [f"tom översättning: {msgid!r}"]
    problems = []
    half = len(msgstr) // 2
    if len(msgstr) > 2 and msgstr[:half] == msgstr[half:]:
        problems.append(f"översättningen står två gånger: {msgid!r}")
    sentences = _sentences(msgstr)
    if len(sentences) != len(set(sentences)) or any(msgstr.count(s) > 1 for s in sentences):
        problems.append(f"en mening står två gånger: {msgstr!r}")
    if len(msgid) > 20 and msgid in msgstr and msgstr != msgid:
        problems.append(f"originalet står kvar i översättningen: {msgid!r}")
    if _placeholders(msgid) != _placeholders(msgstr):
        problems.append(f"andra platshållare: {msgid!r} → {msgstr!r}")
    return problems


def test_every_entry_is_translated_once_with_its_placeholders(compiled):
    problems = [p for msgid, msgstr in _entries(compiled) for p in _problems(msgid, msgstr)]
    assert not problems, "\n".join(problems)


def test_the_check_catches_what_broke_the_english_pages():
    """Issue 17: the English text twice without a space between, a lost placeholder."""
    msgid = "%(covered)s av länets %(total)s kommuner har en lokal överenskommelse."
    good = "%(covered)s of the county’s %(total)s municipalities have a local agreement."
    assert _problems(msgid, good) == []
    assert _problems(msgid, good + good)
    assert _problems(msgid, good.replace("%(total)s", "all"))
    assert _problems(msgid, "")

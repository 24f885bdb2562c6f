"""Swedish text rules that neither Python nor every PostgreSQL build knows."""

# Å, Ä, Ö are letters of their own after Z; accented letters sort with their base letter.
_SWEDISH_ORDER = str.maketrans(
    {
        "å": "{",
        "ä": "|",
        "æ": "|",
        "ö": "}",
        "ø": "}",
        "é": "e",
        "è": "e",
        "ê": "e",
        "á": "a",
        "à": "a",
        "ü": "y",
        "í": "i",
        "ó": "o",
        "ú": "u",
        "ç": "c",
        "ñ": "n",
    }
)


def swedish_sort_key(text: str) -> str:
    """Key for sorting in Swedish order: "Örebro" after "Zürich", "Älvsbyn" after "Åre"."""
    return text.casefold().translate(_SWEDISH_ORDER)

"""Words of the field that mean the same, for search: a query for one finds the others.

Each group is a set of words or phrases; a search word (or phrase) that is one of them is
searched as any of them. Only what people in the field use as the same thing: abbreviations and
their full names, and the everyday word beside the official one. Inflections and compounds need
no entry here: the dictionary joins them (agreements/search_dictionary.py).
"""

SYNONYM_GROUPS: list[tuple[str, ...]] = [
    ("boende", "bostad", "bostäder", "bosättning"),
    ("sfi", "svenska för invandrare"),
    ("so", "samhällsorientering", "samhällsinformation"),
    ("af", "arbetsförmedlingen", "ams"),
    ("fk", "försäkringskassan"),
    ("mv", "migrationsverket"),
    ("lst", "länsstyrelsen"),
    ("skr", "sveriges kommuner och regioner", "skl", "sveriges kommuner och landsting"),
    ("komvux", "vuxenutbildning", "kommunal vuxenutbildning"),
    ("ensamkommande", "ensamkommande barn", "ensamkommande flyktingbarn"),
    ("landsting", "region"),
    ("civilsamhälle", "ideell sektor", "idéburen", "föreningsliv"),
    ("jobb", "arbete", "sysselsättning"),
    ("hälsa", "hälso- och sjukvård", "vård"),
    ("etableringsuppdrag", "etableringsprogrammet", "etableringsreformen"),
    ("nyanlända", "nyanlända invandrare", "flyktingar"),
    ("asylsökande", "asyltid"),
    ("validering", "bedömning av utbildning"),
    ("tolk", "tolkning"),
    ("mottagande", "flyktingmottagande"),
]


def _key(text: str) -> tuple[str, ...]:
    return tuple(text.lower().split())


SYNONYMS: dict[tuple[str, ...], tuple[str, ...]] = {}
for _group in SYNONYM_GROUPS:
    for _member in _group:
        SYNONYMS[_key(_member)] = _group
LONGEST = max(len(key) for key in SYNONYMS)

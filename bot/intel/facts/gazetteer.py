"""Small hand-kept word lists behind the key-fact rules: places, job titles, organisation hints.

Kept short on purpose: security news names a few dozen countries and cities over and over, and a
list we can read beats a downloaded NER model we cannot ship. Abbreviations ("US", "UK") match case
sensitively so that "us" the pronoun is never a country.
"""

from __future__ import annotations

import re
from functools import lru_cache

# canonical name -> spellings (case-insensitive unless the spelling is all capitals / has dots)
PLACES: dict[str, tuple[str, ...]] = {
    "United States": ("United States", "U.S.", "US", "USA", "U.S.A.", "America"),
    "United Kingdom": ("United Kingdom", "U.K.", "UK", "Britain", "Great Britain"),
    "European Union": ("European Union", "EU", "E.U."),
    "Europe": ("Europe",),
    "Asia": ("Asia",),
    "Africa": ("Africa",),
    "Latin America": ("Latin America",),
    "Middle East": ("Middle East",),
    "Russia": ("Russia", "Russian Federation"),
    "China": ("China",),
    "Hong Kong": ("Hong Kong",),
    "Taiwan": ("Taiwan",),
    "Japan": ("Japan",),
    "South Korea": ("South Korea",),
    "North Korea": ("North Korea", "DPRK"),
    "India": ("India",),
    "Pakistan": ("Pakistan",),
    "Singapore": ("Singapore",),
    "Australia": ("Australia",),
    "New Zealand": ("New Zealand",),
    "Canada": ("Canada",),
    "Mexico": ("Mexico",),
    "Brazil": ("Brazil",),
    "Argentina": ("Argentina",),
    "Germany": ("Germany",),
    "France": ("France",),
    "Italy": ("Italy",),
    "Spain": ("Spain",),
    "Portugal": ("Portugal",),
    "Netherlands": ("Netherlands", "the Netherlands", "Holland"),
    "Belgium": ("Belgium",),
    "Switzerland": ("Switzerland",),
    "Austria": ("Austria",),
    "Ireland": ("Ireland",),
    "Sweden": ("Sweden",),
    "Norway": ("Norway",),
    "Denmark": ("Denmark",),
    "Finland": ("Finland",),
    "Poland": ("Poland",),
    "Czech Republic": ("Czech Republic", "Czechia"),
    "Ukraine": ("Ukraine",),
    "Belarus": ("Belarus",),
    "Romania": ("Romania",),
    "Turkey": ("Turkey", "Türkiye"),
    "Israel": ("Israel",),
    "Iran": ("Iran",),
    "Saudi Arabia": ("Saudi Arabia",),
    "United Arab Emirates": ("United Arab Emirates", "UAE"),
    "South Africa": ("South Africa",),
    "Nigeria": ("Nigeria",),
    "Egypt": ("Egypt",),
    "Indonesia": ("Indonesia",),
    "Vietnam": ("Vietnam",),
    "Philippines": ("Philippines",),
    "London": ("London",),
    "Moscow": ("Moscow",),
    "Beijing": ("Beijing",),
    "Washington": ("Washington, D.C.", "Washington"),
    "New York": ("New York",),
    "San Francisco": ("San Francisco",),
    "Silicon Valley": ("Silicon Valley",),
    "Seattle": ("Seattle",),
    "Boston": ("Boston",),
    "Austin": ("Austin",),
    "Chicago": ("Chicago",),
    "Los Angeles": ("Los Angeles",),
    "Toronto": ("Toronto",),
    "Paris": ("Paris",),
    "Berlin": ("Berlin",),
    "Munich": ("Munich",),
    "Amsterdam": ("Amsterdam",),
    "Dublin": ("Dublin",),
    "Brussels": ("Brussels",),
    "Madrid": ("Madrid",),
    "Rome": ("Rome",),
    "Stockholm": ("Stockholm",),
    "Helsinki": ("Helsinki",),
    "Prague": ("Prague",),
    "Warsaw": ("Warsaw",),
    "Kyiv": ("Kyiv", "Kiev"),
    "Tel Aviv": ("Tel Aviv",),
    "Dubai": ("Dubai",),
    "Tokyo": ("Tokyo",),
    "Seoul": ("Seoul",),
    "Shanghai": ("Shanghai",),
    "Shenzhen": ("Shenzhen",),
    "Bangalore": ("Bangalore", "Bengaluru"),
    "Sydney": ("Sydney",),
    "Melbourne": ("Melbourne",),
    "Manchester": ("Manchester",),
    "Edinburgh": ("Edinburgh",),
}

# Entries of PLACES that are cities: a statement's place is its first country or region when it names one
# ("Washington has barred Kaspersky from selling in the United States" is about the United States).
CITIES = frozenset(list(PLACES)[list(PLACES).index("London") :])
_CITY_COUNTRY_LIST = {
    "United Kingdom": "London|Manchester|Edinburgh",
    "Russia": "Moscow",
    "China": "Beijing|Shanghai|Shenzhen",
    "United States": "Washington|New York|San Francisco|Silicon Valley|Seattle|Boston|Austin|Chicago|Los Angeles",
    "Canada": "Toronto",
    "France": "Paris",
    "Germany": "Berlin|Munich",
    "Netherlands": "Amsterdam",
    "Ireland": "Dublin",
    "Belgium": "Brussels",
    "Spain": "Madrid",
    "Italy": "Rome",
    "Sweden": "Stockholm",
    "Finland": "Helsinki",
    "Czech Republic": "Prague",
    "Poland": "Warsaw",
    "Ukraine": "Kyiv",
    "Israel": "Tel Aviv",
    "United Arab Emirates": "Dubai",
    "Japan": "Tokyo",
    "South Korea": "Seoul",
    "India": "Bangalore",
    "Australia": "Sydney|Melbourne",
}
# city -> its country, so that "London office" and "UK office" place an event in the same country
CITY_COUNTRY = {city: country for country, cities in _CITY_COUNTRY_LIST.items() for city in cities.split("|")}


def country_of(place: str) -> str:
    return CITY_COUNTRY.get(place, place)


# Job titles that make a capitalised name a person worth citing ("spokesperson Francesco Tius").
ROLES = (
    "spokesperson",
    "spokesman",
    "spokeswoman",
    "representative",
    "press officer",
    "chief executive officer",
    "chief executive",
    "chief technology officer",
    "chief information security officer",
    "chief security officer",
    "chief operating officer",
    "chief financial officer",
    "chief research officer",
    "CEO",
    "CTO",
    "CISO",
    "CSO",
    "COO",
    "CFO",
    "co-founder",
    "founder",
    "president",
    "vice president",
    "VP",
    "managing director",
    "general manager",
    "director",
    "head of security",
    "head of research",
    "head of threat intelligence",
    "security researcher",
    "threat researcher",
    "researcher",
    "analyst",
    "chairman",
    "chairwoman",
    "chair",
    "minister",
    "secretary",
    "senator",
    "commissioner",
    "attorney general",
    "prosecutor",
    "judge",
    "lawyer",
    "attorney",
    "professor",
)

# Words that end an organisation's name ("Acme Security Inc.", "Contoso Labs").
ORG_SUFFIXES = (
    "Inc",
    "Inc.",
    "Ltd",
    "Ltd.",
    "LLC",
    "Corp",
    "Corp.",
    "Corporation",
    "Group",
    "Labs",
    "Technologies",
    "Systems",
    "Networks",
    "Software",
    "Holdings",
    "GmbH",
    "AG",
    "plc",
    "SA",
)

# Public bodies security news keeps naming; matched as whole words, capitals as written.
AGENCIES = (
    "FBI",
    "CISA",
    "NSA",
    "FCC",
    "FTC",
    "SEC",
    "NCSC",
    "ENISA",
    "Europol",
    "Interpol",
    "Department of Commerce",
    "Commerce Department",
    "Department of Justice",
    "Justice Department",
    "Bureau of Industry and Security",
    "Information Commissioner's Office",
    "European Commission",
)

# Capitalised words that start many sentences or headlines but are never names.
NOT_NAMES = frozenset(
    """The A An In On At For From With Without After Before Since During Just Some Many Most This That These
    Those It Its He She They We Our Their His Her However But And Or If When While As According Also Last
    Next Earlier Later Today Yesterday Tomorrow Monday Tuesday Wednesday Thursday Friday Saturday Sunday
    January February March April May June July August September October November December Mr Ms Mrs Dr
    Meanwhile Instead Still Even Although Though Because Customers Partners Staff Users Security Cyber""".split()  # noqa: SIM905
)


def _spelling_pattern(spelling: str) -> str:
    escaped = re.escape(spelling).replace(r"\ ", r"\s+")
    end = r"(?!\w)" if spelling.endswith(".") else r"\b"
    return rf"{escaped}{end}"


@lru_cache(maxsize=1)
def _places() -> tuple[re.Pattern[str], dict[str, str]]:
    """One alternation of every spelling (longest first), case-sensitive: names are capitalised in
    prose and abbreviations must not match pronouns ("us")."""
    canonical = {" ".join(s.split()): name for name, spellings in PLACES.items() for s in spellings}
    ordered = sorted(canonical, key=len, reverse=True)
    return re.compile(r"(?<![\w.])(?:" + "|".join(_spelling_pattern(s) for s in ordered) + ")"), canonical


def find_places(text: str) -> list[tuple[int, str]]:
    """(offset, canonical place) for every place named in the text, in text order."""
    pattern, canonical = _places()
    return [(m.start(), canonical[" ".join(m.group(0).split())]) for m in pattern.finditer(text)]


@lru_cache(maxsize=1)
def role_pattern() -> str:
    """Alternation of roles, longest first so "chief executive officer" beats "chief executive"."""
    return "|".join(re.escape(r) for r in sorted(ROLES, key=len, reverse=True))

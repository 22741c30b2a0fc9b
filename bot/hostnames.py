"""Host names as a reader should see them: ASCII (punycode) always, and look-alikes called out.

Why: `www.оkta.com` with a Cyrillic "о" reads as okta.com and goes somewhere else. Shown in its
IDNA form (`www.xn--kta-...`) nobody mistakes it; a label that mixes scripts, or is spelled
entirely with letters that imitate Latin ones, is a look-alike and is never made a link. Used by
ingest (the outlet name shown for a source) and by rendering (what may become a link).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Letters of other scripts drawn like Latin ones (the usual homograph alphabet; Unicode's
# confusables.txt has more, these are the ones that make whole words).
_LATIN_TWINS = frozenset("аеорсухкмтніјѕԁԛԝӏɑοαν" + "ρτικυχεβ")


@lru_cache(maxsize=4096)
def ascii_host(host: str) -> str | None:
    """The host in ASCII: unchanged if it already is, else its IDNA (punycode) form; None if it has
    no valid IDNA form."""
    host = host.rstrip(".").lower()
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return None


def _unicode_label(label: str) -> str:
    if label.startswith("xn--"):
        try:
            return label.encode("ascii").decode("idna")
        except UnicodeError:
            return label
    return label


# Scripts that are written together as a matter of course (Japanese, Korean) count as one.
_EAST_ASIAN = frozenset({"CJK", "HIRAGANA", "KATAKANA", "HANGUL"})


def _scripts(label: str) -> set[str]:
    scripts: set[str] = set()
    for ch in label:
        if ch.isalpha():
            script = unicodedata.name(ch, "UNKNOWN").split(" ", 1)[0]
            scripts.add("EAST ASIAN" if script in _EAST_ASIAN else script)
    return scripts


# What each twin imitates, for naming the thing imitated.
_TWIN_OF = dict(zip("аеорсухкмтніјѕԁԛԝӏɑοανρτικυχεβ", "aeopcyxkmthijsdqwlaoavptikuxeb", strict=True))


def latin_skeleton(text: str) -> str:
    """`text` with look-alike letters replaced by the Latin ones they imitate (`оkta` -> `okta`)."""
    return "".join(_TWIN_OF.get(ch, ch) for ch in text.lower())


def is_lookalike_word(word: str) -> bool:
    """A word mixing scripts, or spelled only with letters that imitate Latin ones."""
    if word.isascii():
        return False
    if len(_scripts(word)) > 1:
        return True
    letters = [ch for ch in word.lower() if ch.isalpha()]
    return bool(letters) and all(ch in _LATIN_TWINS for ch in letters)


@lru_cache(maxsize=4096)
def is_lookalike(host: str) -> bool:
    """A label mixing scripts (`оkta`: Cyrillic + Latin), or one spelled only with non-Latin letters
    that imitate Latin ones (`окта`). Punycode labels are judged by what they decode to."""
    for raw in host.rstrip(".").lower().split("."):
        label = _unicode_label(raw)
        if label.isascii():
            continue
        scripts = _scripts(label)
        if len(scripts) > 1:
            return True
        letters = [ch for ch in label if ch.isalpha()]
        if letters and all(ch in _LATIN_TWINS for ch in letters):
            return True
    return False

"""Small text facts the vendor matcher needs, kept exact about offsets.

Everything here indexes the *original* string: hits are reported as offsets into the text the caller
gave us, so lower-casing must never change the length (str.casefold() turns "ß" into "ss", and even
str.lower() turns "İ" into two code points).
"""

from __future__ import annotations

import bisect
import functools
import re

# Opening quotes, brackets and markup that may stand between a sentence start and its first word.
_OPENERS = frozenset(" \t\"'“‘«([{*_#>`|-•–—")
_SENTENCE_ENDS = frozenset("\n\r.!?:;")
# Link text never holds a bracket and both parts are bounded: with `[^\]]*` every one of a run of
# unclosed `[` scanned to the end of the line (80 KB of them: quadratic, tens of seconds).
_IMAGE = re.compile(r"!\[[^\[\]\n]{0,2000}\]\([^)\n]{0,2000}\)")
_LINK = re.compile(r"\[([^\[\]\n]{0,2000})\]\([^)\n]{0,2000}\)")
_BARE_URL = re.compile(r"(?:https?://|www\.)\S+")
_LIST_MARKER = re.compile(r"^\s*(?:[*+\-•]|\d+[.)]|#{1,6})\s*")
_LETTERS = re.compile(r"[^\W\d_]+")
_MARK = re.compile(r"[.!?\n]")
_SENTENCE_BREAK = re.compile(r"[.!?][\"”’')\]]*(?=\s|$)")


def lower_keep_length(text: str) -> str:
    """Lower-case `text` keeping every character at its offset.

    The fast path is str.lower() (one C call) when it keeps the length; str.lower() never shrinks a
    character, so equal length means every character mapped to exactly one. Otherwise ("İ"), lower
    character by character and keep the few that would expand as they are.
    """
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(low if len(low := ch.lower()) == 1 else ch for ch in text)


@functools.cache
def word_ranks() -> dict[str, int]:
    """English words by frequency rank (0 = most common), from the list wordninja ships in its wheel.

    Used to tell dictionary words ("Trellis", "Mandate") from unknown tokens that may be typos of a
    vendor name ("Kasperksy"), and to decide which aliases are ordinary words that must be capitalised.
    The list is read from the installed package: nothing is downloaded.
    """
    import wordninja  # builds its model on import: only pay for it when matching, not for lookups

    model = getattr(wordninja, "DEFAULT_LANGUAGE_MODEL", None)
    words = getattr(model, "_wordcost", {})  # insertion order is the frequency rank
    return {word: rank for rank, word in enumerate(words)}


def is_common_word(word: str, limit: int = 60_000) -> bool:
    rank = word_ranks().get(word.lower())
    return rank is not None and rank < limit


def is_dictionary_word(word: str) -> bool:
    return word.lower() in word_ranks()


def has_urls(text: str) -> bool:
    return "://" in text or "](" in text or "www." in text


def in_url(text: str, start: int) -> bool:
    """Is `start` inside a URL or a markdown link target? A vendor name in a URL is not a mention.

    Checked per occurrence (the token around it) rather than by listing every URL of the text, which
    costs more on link-heavy pages than the few occurrences do.
    """
    window = max(0, start - 400)
    cut = max(
        text.rfind(" ", window, start), text.rfind("\n", window, start), text.rfind("\t", window, start)
    )
    token = text[max(cut + 1, window) : start]
    return "://" in token or "](" in token or token.startswith("www.")


def inside(spans: list[tuple[int, int]], starts: list[int], position: int) -> bool:
    """Is `position` inside one of the sorted, non-overlapping `spans` (`starts` = their starts)?"""
    index = bisect.bisect_right(starts, position) - 1
    return index >= 0 and spans[index][0] <= position < spans[index][1]


def is_sentence_initial(text: str, start: int) -> bool:
    """Does the word at `start` begin a sentence, a line or the text (skipping quotes and markup)?

    A capitalised common word there ("Zoom in on...", "Signal strength...") says nothing about whether
    it is a name, so such hits need confirmation.
    """
    index = start - 1
    while index >= 0 and text[index] in _OPENERS:
        if text[index] in "-–—" and index > 0 and text[index - 1] not in " \t\n":
            break  # a hyphen inside a word ("pro-Signal") is not an opener
        index -= 1
    return index < 0 or text[index] in _SENTENCE_ENDS


def after_capitalised_word(text: str, start: int) -> bool:
    """Is the word at `start` preceded, across one space, by a capitalised word ("Jaden Siemans")?"""
    index = start - 1
    if index < 1 or text[index] != " ":
        return False
    word_end = index
    while index > 0 and text[index - 1].isalpha():
        index -= 1
    return word_end > index and text[index].isupper()


def in_capitalised_run(text: str, start: int, stop: int) -> bool:
    """Is the word part of a run of Capitalised Words ("the Coloured Box Drum Dance")?

    Inside such a run an ordinary-word name is more likely part of another proper name than the vendor.
    """
    if after_capitalised_word(text, start):
        return True
    return stop + 1 < len(text) and text[stop] == " " and text[stop + 1].isupper()


def followed_by(lowered: str, end: int, phrases: tuple[str, ...]) -> bool:
    """Does one of `phrases` (lower-case) come right after `end`, as whole words ("Apple pie")?"""
    index = end
    length = len(lowered)
    if index < length and lowered[index] == "-":
        index += 1  # "Apple-pie"
    else:
        while index < length and lowered[index] in " \t\n\xa0":
            index += 1
        if index == end:
            return False  # punctuation follows: "Apple, pie" is two things
    for phrase in phrases:
        stop = index + len(phrase)
        if lowered.startswith(phrase, index) and (stop >= length or not lowered[stop].isalnum()):
            return True
    return False


def line_at(text: str, position: int) -> str:
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    return text[start : end if end >= 0 else len(text)]


def is_link_line(line: str) -> bool:
    """A navigation, media or link-list line: markdown links and images with little prose of their own.

    Menus, tag lists, image captions and "related articles" lists name vendors without being about them.
    """
    if "](" not in line:
        return False
    no_images = _IMAGE.sub(" ", line)
    link_letters = sum(len(word) for text in _LINK.findall(no_images) for word in _LETTERS.findall(text))
    rest = _BARE_URL.sub(" ", _LINK.sub(" ", no_images))
    rest_letters = sum(len(word) for word in _LETTERS.findall(_LIST_MARKER.sub("", rest)))
    return rest_letters <= max(12, link_letters // 3)


def prose_words(block: str) -> int:
    """Words of running text in `block`, counting link texts but not URLs or images."""
    return len(_LETTERS.findall(_BARE_URL.sub(" ", _LINK.sub(r" \1 ", _IMAGE.sub(" ", block)))))


def lead_spans(body: str, paragraphs: int = 2, sentences: int = 2) -> list[tuple[int, int]]:
    """The lead: the first `sentences` sentences of each of the first `paragraphs` prose paragraphs.

    Prose means at least eight words of running text and not a link list, so a headline, byline, logo
    or image credit at the top of a lightly cleaned body does not count as the lead.
    """
    spans: list[tuple[int, int]] = []
    position = 0
    for block in re.split(r"(\n\s*\n)", body):
        start, position = position, position + len(block)
        stripped = block.strip()
        if not stripped or stripped.startswith(("#", "|")) or prose_words(stripped) < 8:
            continue
        if is_link_line(stripped):
            continue
        end = start + len(block)
        breaks = [m.end() for m in _SENTENCE_BREAK.finditer(block)]
        if len(breaks) >= sentences:
            end = start + breaks[sentences - 1]
        spans.append((start, end))
        if len(spans) == paragraphs:
            break
    return spans


class SentencePositions:
    """How many words come before an offset in its sentence (0 = first word): early words are the
    subject. Sentence breaks and word starts are found once per text and each question is two
    bisections: walking back to the sentence start for every vendor name was quadratic on a long
    sentence (176 KB naming thousands of vendors: a minute per page)."""

    def __init__(self, text: str) -> None:
        self._breaks = [m.end() for m in _MARK.finditer(text)]
        self._words = [m.start() for m in _LETTERS.finditer(text)]

    def __call__(self, start: int) -> int:
        index = bisect.bisect_right(self._breaks, start)
        sentence = self._breaks[index - 1] if index else 0
        return bisect.bisect_left(self._words, start) - bisect.bisect_left(self._words, sentence)


def sentence_position(text: str, start: int) -> int:
    """The words before `start` in its sentence (see `SentencePositions`, for many offsets at once)."""
    return SentencePositions(text)(start)

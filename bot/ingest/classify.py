"""Per-block verdicts for the cleaner: is a block article prose, a short line, a table row, or chrome?

jusText-style shape features (length, sentence punctuation, stop-word density, link density) plus a
few layout shapes every news template shares: headline lists, headline+date+paragraph teaser grids,
captions after images, bylines, date stamps, author bios. The word lists below are generic web chrome
("subscribe", "cookies", "share this": the vocabulary readability and trafilatura also key on) and are
only ever applied to *short* blocks, so an article that mentions a newsletter keeps its paragraph.

Every regex is gated by a cheap token or character test first: this runs on every block of every page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.ingest.markup import Block
from bot.ingest.text_utils import wordset

GOOD, NEAR, SHORT, ROW, LIST, BAD = "good", "near", "short", "row", "list", "bad"
# A long line with too few stop words (keywords, names, "Product X (CVE-...)"): chrome unless a list of
# the article holds it; `classify_all` settles it as LIST or BAD.
TERSE = "terse"

_SENTENCE_END_CHARS = frozenset('.!?。！？…:;"”’»)]')
_SENTENCE_MARK = re.compile(r"[.!?。！？](?:\s|$)")
_DIGIT = re.compile(r"\d")


def _phrases(pattern: str, first_chars: str) -> re.Pattern[str]:
    """A case-insensitive phrase list that starts with a look-ahead for the phrases' first characters:
    the engine then skips the positions where no phrase can start instead of trying every branch
    there (twice as fast on a block). `first_chars` must hold the first character of every phrase
    (tests/ingest/test_ingest_regressions.py checks that each phrase is still found)."""
    return re.compile(f"(?=[{first_chars}])(?:{pattern})", re.IGNORECASE)


# Chrome words that also occur in news prose (security news talks about cookies, logins, comments):
# enough to condemn a label-sized block, but a sentence needs two of them.
_CHROME_WEAK = _phrases(
    r"\b(?:cookies?|privacy|related|recommended|trending|comments?|log ?in|sign ?in|more (?:from|in|on|stories|news)|"
    r"download (?:the|our) app|watch (?:now|live)|buy (?:now|tickets)|sponsored)\b",
    "cprtlsmdwb",
)
# Chrome phrases news prose also uses now and then ("cannot sign up new customers", "ransomware
# affiliates", "malicious advertisements", "the most popular VPN"): chrome in a label, in a call to action,
# or in a sentence that addresses the reader.
_CHROME = _phrases(
    r"\b(?:sign(?:ing)? ?up|subscri(?:be|ption)s?|newsletters?|advertise(?:ment|ments|r)?|copyright|"
    r"share (?:this|on|via)|follow us|click here|read (?:more|next|full)|most (?:popular|read|viewed|shared)|"
    r"you may (?:also )?like|affiliate|register now|get (?:the|our) (?:app|newsletter)|"
    r"related (?:articles|stories|posts|content|coverage|links))\b",
    "snacfrmyg",
)
# Phrases only chrome uses: they condemn a block of any size up to a short paragraph.
_CHROME_ALWAYS = _phrases(
    r"\b(?:terms (?:of|and) (?:use|service|conditions)|all rights? reserved|copyright\s*(?:\(c\)|\d{4})|"
    r"(?:image|photo|picture) credits?|getty images|affiliate (?:links?|commission)|opens? in (?:a )?new window|"
    r"uses? cookies|use of cookies|accept (?:all )?cookies|your comment|time I comment|comment data|"
    r"(?:leave|post|add) a (?:comment|reply)|enable javascript)\b|©",
    "tacipgouyle©",
)
_CHROME_GATE = wordset(
    "sign signing signup subscribe subscribes subscription subscriptions newsletter newsletters "
    "advertise advertisement advertisements advertiser sponsored cookie cookies privacy terms rights "
    "copyright share follow click read related most more recommended you trending image photo picture "
    "getty affiliate comment comments log login signin download watch register buy get opens open"
)
CHROME_LABEL_WORDS = 12
# A chrome sentence speaks to the reader or as the site; a news sentence speaks about its subject.
_SITE_VOICE = wordset("you your yours we our us")
_QUOTES = frozenset('"“”«»')
_ROLE = r"(?:writer|reporter|editor|journalist|correspondent|contributor|columnist|author|freelancer?)"
# "NAME is a senior writer at OUTLET", "NAME has been writing for ...", "NAME covers security for ...":
# the sentence is about the person's job. ("Microsoft has released patches covering 60 flaws" and
# "Okta told a reporter ..." are news, so the job must follow the verb closely.)
_BIO = re.compile(
    r"^(?:[A-Z][\w'’.-]+\s){1,3}(?:"
    r"(?:is|was)\s(?:a|an|the)\s(?:[\w-]+\s){0,4}?" + _ROLE + r"|"
    r"(?:is|was|has|had)\s(?:also\s)?(?:been\s)?(?:writing|reporting|covering|editing)\b|"
    r"(?:has|had)\s(?:covered|written\s(?:about|for|on)|reported\s(?:on|for|about))\b|"
    r"(?:covers|writes|reports)\s(?:on|about|for)\b|"
    # "... covers security and privacy for Wired.", "... for the site.": the sentence ends on the outlet
    r"covers\s(?:[\w,-]+\s){1,5}?for\s(?:the\s)?(?:site|[A-Z][\w.-]*(?:\s[A-Z][\w.-]*){0,3})\.?$|"
    r"(?:joined|previously)\b.{0,120}?\b" + _ROLE + r"\b)"
    r"|\b(?:[Bb]efore|[Aa]fter) joining [A-Z].{0,60}?\bas an?\s(?:[\w-]+\s){0,2}" + _ROLE
)
_BIO_GATE = wordset(
    "writer reporter editor journalist correspondent contributor columnist author freelance "
    "freelancer writing covers covering covered reporting editing writes reports written reported"
)
_BYLINE_STARTS = (("written", "by"), ("posted", "by"))  # or just "by"
_DATELINE = re.compile(
    r"\b(?:\d{1,2}:\d{2}\s?(?:am|pm)?|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4}|"
    r"\d{4}-\d{2}-\d{2}|\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* \d{4}|"
    r"\d+ (?:min|minute|hour|day)s? (?:ago|read))",
    re.IGNORECASE,
)
_LOWER_WORD = re.compile(r"\b[a-z]{2,}\b")
_STAMP_WORDS = wordset(
    "at on by of the and in am pm min mins minute minutes read ago hour hours day days updated published "
    "posted modified last"
)
_STAMP_START = re.compile(r"^(?:last )?(?:updated|published|posted|modified)\b", re.IGNORECASE)
# Photo credits inside captions: "(AP Photo/Jeff Roberson)", "Image: Getty Images", "REUTERS/Brendan McDermid".
_CREDIT = re.compile(
    r"\b(?:photo|image|picture|credit|getty|reuters|afp|ap|shutterstock)s?\b\s*[:/]|\bvia\s+getty\b", re.I
)
# A short block that opens a comment thread: readers' prose, not the article's.
_COMMENTS = re.compile(
    r"^\W{0,3}(?:\d+\s+|top(?: rated)?\s+|latest\s+|reader\s+|show\s+|view\s+|post an?\s+)?"
    r"(?:comments?|discussions?|responses|replies|leave a (?:reply|comment)|join the (?:discussion|conversation))\b",
    re.IGNORECASE,
)

_EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}\.[\w.-]{2,63}")

MIN_STOPWORD_DENSITY = 0.12


def ends_sentence(text: str) -> bool:
    return bool(text) and text[-1] in _SENTENCE_END_CHARS


def is_dateline(block: Block) -> bool:
    """A line that is only a date / time / "updated" stamp (perhaps with a name)."""
    if not 0 < block.words <= 25:
        return False
    text = block.text
    stamp = _STAMP_START.match(text) is not None
    if not stamp and not _DIGIT.search(text):
        return False  # the cheapest test first: most short blocks hold neither a stamp word nor a digit
    if _SENTENCE_MARK.search(text, 0, len(text) - 1):
        return False  # two sentences: prose, whatever dates it mentions
    if stamp:
        return True
    if not _DATELINE.search(text):
        return False
    # "The fix ships on October 8, 2024." is a sentence that mentions a date, not a date stamp.
    prose_words = [w for w in _LOWER_WORD.findall(text) if w not in _STAMP_WORDS]
    return not (len(prose_words) >= 3 and text.rstrip('"”’»)').endswith((".", "!", "?")))


def opens_comments(block: Block) -> bool:
    return block.words <= 6 and bool(_COMMENTS.search(block.text))


def _is_chrome(text: str, words: int, tokens: tuple[str, ...]) -> bool:
    """Web chrome. An unambiguous phrase ("all rights reserved") condemns any block; an ambiguous one
    condemns a label ("Newsletter", "Related stories") but a sentence only when it opens the sentence as a
    call to action ("Sign up for ...", "Click to subscribe!"), the sentence talks to the reader or as the
    site ("you", "our"), or a second chrome phrase backs it up. News prose that happens to use the words
    ("cannot sign up new customers", "did not respond to a request for comment") stays prose."""
    if _CHROME_ALWAYS.search(text):
        return True
    strong = [m.start() for m in _CHROME.finditer(text)]
    weak = [m.start() for m in _CHROME_WEAK.finditer(text)]
    if not strong and not weak:
        return False
    sentence = words >= 6 and text.rstrip('"”’»').endswith((".", "!", "?"))
    if words <= CHROME_LABEL_WORDS and not sentence:
        return True
    site_voice = not _SITE_VOICE.isdisjoint(tokens) and not _QUOTES.intersection(text)  # not a quotation
    if len(strong) + len(weak) >= 2 or site_voice:
        return True
    position = (strong or weak)[0]
    if words <= CHROME_LABEL_WORDS:
        return position <= 2  # "Subscribe to ..." vs "... a request for comment."
    return bool(strong) and _sentence_words(text, position) <= CHROME_LABEL_WORDS


def _sentence_words(text: str, position: int) -> int:
    """Words in the sentence of `text` around `position` ("Click to subscribe!" inside a promo blurb,
    a photo credit after its caption)."""
    starts = [m.end() for m in _SENTENCE_MARK.finditer(text, 0, position)]
    start = starts[-1] if starts else 0
    end_mark = _SENTENCE_MARK.search(text, position)
    return len(text[start : end_mark.end() if end_mark else len(text)].split())


def _punctuated(text: str) -> bool:
    """Ends like a sentence, or holds two sentence ends."""
    if ends_sentence(text):
        return True
    first = _SENTENCE_MARK.search(text)
    return first is not None and _SENTENCE_MARK.search(text, first.end()) is not None


def classify(block: Block, stopwords: frozenset[str] | None, dateline: bool, stops: int | None = None) -> str:
    """GOOD prose, NEAR (short punctuated prose), SHORT (headings, labels), ROW (table) or BAD chrome.
    `stops`: the block's count of `stopwords`, when already counted."""
    kind, text, words = block.kind, block.text, block.words
    if kind == "hr" or words == 0:
        return BAD
    density = block.link_chars / len(text) if block.link_chars else 0.0  # `link_density`, inlined
    if density > 0.5 and not (kind == "p" and words >= 25 and density < 0.8):
        return BAD
    tokens = block.tokens
    if (
        words <= 30
        and (not _CHROME_GATE.isdisjoint(tokens) or "©" in text)
        and _is_chrome(text, words, tokens)
    ):
        return BAD
    if kind == "h":
        return BAD if words > 25 else SHORT
    if kind == "row":
        return ROW
    if words >= 6 and not _BIO_GATE.isdisjoint(tokens) and _BIO.search(text):
        return BAD
    if 1 < words <= 40 and (tokens[0] == "by" or tokens[:2] in _BYLINE_STARTS):
        return BAD  # "By Jane Doe | Special to ..."
    if dateline:
        return BAD
    if words <= 50 and "@" in text and _EMAIL.search(text):
        return BAD  # "Contact the author at ...", "Tips: news@..."
    if words >= 10 and (text.endswith(("...", "…")) or text[-4:-1] == "..."):
        return BAD  # a truncated teaser of another article
    if block.after_image and kind == "p" and (words <= 25 or _CREDIT.search(text)):
        return BAD  # a caption
    if (
        stopwords is not None
        and words >= 6
        and (len([*filter(stopwords.__contains__, tokens)]) if stops is None else stops) / words
        < MIN_STOPWORD_DENSITY
    ):
        return SHORT if words < 12 else TERSE
    if words >= 12 and density < 0.35 and _punctuated(text):
        return GOOD
    if len(text) >= 160 and density < 0.35 and kind != "li":
        return GOOD
    if words >= 4 and _punctuated(text):
        return NEAR
    return SHORT


def _is_title_like(block: Block) -> bool:
    """A headline in a list: a few words, no closing punctuation, a list item / heading / link."""
    if (
        block.kind == "row"
        or not 3 <= block.words <= 25
        or (ends_sentence(block.text) and not block.link_chars)
    ):
        return False
    return block.kind in ("li", "h") or block.link_density > 0.5 or block.words >= 4


def mark_title_lists(blocks: list[Block], classes: list[str]) -> None:
    """Three or more headline-like blocks in a row are a list of other articles, not this one."""
    run: list[int] = []
    for i, block in enumerate([*blocks, None]):
        if block is not None and classes[i] not in (GOOD, LIST) and _is_title_like(block):
            run.append(i)
            continue
        if len(run) >= 3:
            for j in run:
                classes[j] = BAD
        run = []


def mark_teasers(blocks: list[Block], classes: list[str], datelines: list[bool]) -> None:
    """Headline, author/date line, one paragraph; again and again: other articles' teasers.

    The article itself opens the same way (title, byline, date, first paragraph), so only a chain of
    two or more such units, each starting right where the previous one ended, is taken as teasers.
    """
    units: list[tuple[int, int]] = []  # (headline index, teaser paragraph index)
    for i, block in enumerate(blocks):
        if block.kind not in ("h", "li") or block.words > 25:
            continue
        for j in range(i + 1, min(i + 4, len(blocks) - 1)):
            if datelines[j]:
                if classes[j + 1] in (GOOD, NEAR):
                    units.append((i, j + 1))
                break
    chain: list[tuple[int, int]] = []
    for unit in [*units, (len(blocks) + 10, 0)]:
        # The next unit starts after this one's paragraph: the items of a menu above the article's own
        # byline and lede all "reach" that one lede, which makes no chain of teasers.
        if chain and 0 < unit[0] - chain[-1][1] <= 3:
            chain.append(unit)
            continue
        if len(chain) >= 2:
            for head, teaser in chain:
                for k in range(head, teaser + 1):
                    classes[k] = BAD
        chain = [unit]


_IDENTIFIER = re.compile(r"\b(?:CVE-\d{4}-\d{4,7}|GHSA(?:-\w{4}){3}|KB\d{6,7})\b|\b\d{1,4}\.\d{1,4}(?:\.\d{1,6})*\b", re.I)
LIST_ITEM_WORDS = 40
MIN_INTRO_WORDS = 4


def _list_item(block: Block, cls: str) -> bool:
    """A line a list may hold: a list item or a short line, not chrome and not mostly link text."""
    if cls in (BAD, ROW) or block.words == 0 or block.words > LIST_ITEM_WORDS or block.link_density > 0.5:
        return False
    if _introduces(block):
        return False  # the line that opens the next list
    return block.kind == "li" or (block.kind == "p" and cls != GOOD)


def _introduces(block: Block) -> bool:
    return block.words >= MIN_INTRO_WORDS and block.text.rstrip().endswith((":", " -", "—", "–"))


def mark_article_lists(blocks: list[Block], classes: list[str]) -> None:
    """Lists that belong to the article (CVE lists, affected/fixed versions, steps): a run of list lines
    the article's own sentence introduces ("... the following flaws:", "... as follows -"), or whose
    lines mostly carry identifiers (CVE ids, version numbers). Their lines become LIST: kept, and a
    long one no longer cuts the article in two. Menus have no introducing sentence and no identifiers."""
    i = 0
    while i < len(blocks):
        if not _list_item(blocks[i], classes[i]):
            i += 1
            continue
        end = i
        while end < len(blocks) and _list_item(blocks[end], classes[end]):
            end += 1
        intro = blocks[i - 1] if i else None
        introduced = intro is not None and classes[i - 1] != BAD and _introduces(intro)
        with_ids = sum(1 for b in blocks[i:end] if _IDENTIFIER.search(b.text))
        if (end - i >= 2 and (introduced or with_ids * 2 > end - i)) or (introduced and with_ids):
            for j in range(i, end):
                if classes[j] != GOOD:
                    classes[j] = LIST
        i = end


def classify_all(
    blocks: list[Block], stopwords: frozenset[str] | None, stops: Sequence[int | None] | None = None
) -> list[str]:
    """Each block's class. `stops`: each block's count of `stopwords` (`stopwords.page_stopwords`)."""
    datelines = [is_dateline(b) for b in blocks]
    counts = [None] * len(blocks) if stops is None else stops
    classes = [
        classify(b, stopwords, dateline, count)
        for b, dateline, count in zip(blocks, datelines, counts, strict=True)
    ]
    mark_article_lists(blocks, classes)
    classes = [BAD if c == TERSE else c for c in classes]
    mark_title_lists(blocks, classes)
    mark_teasers(blocks, classes, datelines)
    return classes

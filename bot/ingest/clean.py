"""Boilerplate removal for stored markdown and plain-text pages: whole page in, article body out.

How (no phrase lists tuned to particular sites):
1. `markup.parse_blocks` turns the page into blocks (paragraph, heading, list item, table row) with
   plain text, link density and whether an image came right before.
2. `classify` scores each block jusText-style by shape: long, punctuated, stop-word-dense, link-poor
   prose is content; link lists, menus, headline lists, teaser grids, captions, bylines, date stamps,
   bios and generic web chrome in short blocks are not.
3. The article is the densest contiguous run of content (maximum-sum segment of the block weights), so
   menus before it and "Most Popular" / bio sections after it fall away even when they hold a few
   sentences of their own. The paragraph right under the page's own title heading gets a head start,
   and a "Comments" line ends the article (a comment thread is prose too).
4. Inside that run, chrome and repeated lines are dropped; everything else (subheadings, lists, tables
   of the article) is kept. Output: plain-text paragraphs separated by blank lines.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.ingest.block_model import BlockModel, default_model
from bot.ingest.classify import (
    BAD,
    GOOD,
    LIST,
    NEAR,
    ROW,
    SHORT,
    TERSE,
    classify,
    classify_all,
    ends_sentence,
    is_dateline,
    opens_comments,
)
from bot.ingest.markup import Block, parse_blocks
from bot.ingest.stopwords import page_stopwords

_TOKEN = re.compile(r"\w+")

MIN_ARTICLE_WEIGHT = 60.0  # content read before a "Comments" line may end the article
ANCHOR_WINDOW = 8  # blocks between the title heading and the first paragraph (byline, date, image)
TITLE_BONUS = 40.0
# A label, heading or menu entry: cheap alone (articles have subheadings), costly in a long run (menus,
# sidebars, form fields), which is what keeps the article run from drifting into the page's footer.
SHORT_PENALTY = -3.5
LIST_WEIGHT = 1.0  # a line of the article's own list: kept, and carries the run on to the prose after it
BRIDGE_GAP = 12  # blocks an in-article promo may take
BRIDGE_MIN_WEIGHT = 25.0  # words of prose that must follow it


def _weight(block: Block, cls: str) -> float:
    if cls in (GOOD, NEAR):
        return float(block.words)
    if cls == SHORT:
        return SHORT_PENALTY
    if cls == LIST:
        return LIST_WEIGHT
    if cls == ROW:
        return 0.5  # a table is neither prose nor chrome: it neither makes nor breaks the run
    if block.kind == "p" and block.words >= 12 and not block.link_chars and ends_sentence(block.text):
        # A sentence-shaped promo ("Sign up for our newsletter to ...") inside the article: dropped, but
        # cheap to cross, so it does not cut the paragraphs above it off the article.
        return -(3.0 + block.words / 4)
    return -(3.0 + min(block.words, 40))


def _best_segment(weights: list[float]) -> tuple[int, int]:
    """Maximum-sum contiguous segment [start, end) (Kadane); empty when nothing is positive."""
    best, best_range = 0.0, (0, 0)
    running, start = 0.0, 0
    for i, w in enumerate(weights):
        if running <= 0:
            running, start = w, i
        else:
            running += w
        if running > best:
            best, best_range = running, (start, i + 1)
    return best_range


def title_anchor(blocks: list[Block], title: str | None) -> int | None:
    """Index of the heading that is the article's own title: the one sharing most words with the page
    title (front matter, or the first line, which scrapers fill with the HTML <title>), else the first
    level-1 heading. The first line is passed over (an aggregator's copy of the title, its typos kept,
    above the publisher's own heading) unless the page has no other heading to anchor on and it is a
    heading of the known title: a stored page that is front matter, `# title`, menu and the article."""
    first = blocks[0]
    known = title is not None
    if title is None:
        title = first.text
    wanted = set(_TOKEN.findall(title.lower()))
    best, best_overlap = None, 0.0
    for i in range(1, len(blocks)):
        block = blocks[i]
        if block.kind != "h" or not 2 <= block.words <= 30:
            continue
        overlap = len(wanted.intersection(block.tokens)) / block.words if wanted else 0.0
        if overlap > best_overlap or (best is None and block.level == 1):
            best, best_overlap = i, overlap
        if overlap >= 0.8:
            break
    if best is None and known and first.kind == "h" and wanted.intersection(first.tokens):
        return 0
    return best


def _bridge_interruptions(
    blocks: list[Block], weights: list[float], classes: list[str], end: int, skipped: set[int]
) -> int:
    """Carry the article over an in-article promo box (event ad, newsletter box, "read more" card):
    when prose resumes within a few blocks of where the run ended and goes on for a while, the run
    continues there and the promo's blocks go to `skipped`. Tail sections (headline lists, teaser grids, footers) do not resume as prose, and
    labels ("Sources:", "Citation:") and link lists (tags, related stories) are not crossed."""
    while end < len(weights):
        resume = None
        for i in range(end, min(end + BRIDGE_GAP, len(weights))):
            if classes[i] == GOOD:
                resume = i
                break
            gap = blocks[i]
            if gap.text.endswith(":") or opens_comments(gap) or (gap.link_density > 0.5 and gap.words >= 5):
                return end  # a label, a comment thread or a link list (tags, related): the tail
        if resume is None:
            return end
        running, best, best_end = 0.0, 0.0, resume
        for i in range(resume, len(weights)):
            running += weights[i]
            if running <= 0:
                break
            if running > best:
                best, best_end = running, i + 1
        if best < BRIDGE_MIN_WEIGHT:
            return end
        skipped.update(range(end, resume))
        end = best_end
    return end


def _cut_at_comments(blocks: list[Block], weights: list[float], start: int, end: int) -> int:
    """End the article at a "Comments" line once some of it has been read: a comment thread is prose
    too and can outweigh a short article. ("Related" lines are no such marker: news pages put related
    links in the middle of the story.)"""
    content = 0.0
    for i in range(start, end):
        if content >= MIN_ARTICLE_WEIGHT and opens_comments(blocks[i]):
            return i
        content += max(weights[i], 0.0)
    return end


HAND = "hand"  # `select_blocks(model=HAND)`: the hand-set weights, kept to compare against


def analyse_page(
    blocks: list[Block], title: str | None
) -> tuple[list[str], frozenset[str] | None, int | None, list[int]]:
    """What the run search needs to know of a page's blocks: their classes, the page's stop words, the
    index of its title heading, and each block's count of stop words (counted once, used twice)."""
    stopwords, stops = page_stopwords([b.tokens for b in blocks])
    classes, anchor = classify_all(blocks, stopwords, stops), title_anchor(blocks, title)
    if anchor is not None:
        _own_summary(blocks, classes, anchor, stopwords, stops)
    return classes, stopwords, anchor, stops


_CUT = ".…[]() \"”’»"  # how a cut-short summary ends: "... [...]", "…", "(...)", '..."'
SUMMARY_MIN_WORDS = 10  # the words from which `classify` takes a cut-short paragraph for a teaser


def _own_summary(
    blocks: list[Block], classes: list[str], anchor: int, stopwords: frozenset[str] | None, stops: list[int]
) -> None:
    """The page's own summary is not another article's teaser. A paragraph cut short ("... [...]") is a
    teaser when it sits under another article's headline, but the first paragraph under this page's own
    title heading (past its menu and labels), when no prose follows it, is the article's text: a feed
    item's one-paragraph summary as an aggregator stores it, all the article text the page holds. It is
    classified as if it ended where it was cut, so the densest-run search weighs it as prose instead of
    the author line or share prompt that follows it. (When prose follows, the cut line is a deck or a
    promo and the prose is the article: it stays as `classify` judged it.)"""
    for i in range(anchor + 1, len(blocks)):
        block = blocks[i]
        if block.kind != "p" or block.words < SUMMARY_MIN_WORDS or block.link_density >= 0.5:
            continue  # the menu, search box and labels between the title and the article
        text = block.text
        cut = text.endswith(("...", "…")) or text[-4:-1] == "..."
        if classes[i] == BAD and cut and GOOD not in classes[i + 1 :]:
            whole = replace(block, text=text.rstrip(_CUT) + ".")
            cls = classify(whole, stopwords, is_dateline(block), stops[i])
            classes[i] = BAD if cls == TERSE else cls
        return


def analyse_blocks(blocks: list[Block], title: str | None) -> tuple[list[str], frozenset[str] | None, int | None]:
    """`analyse_page` without the stop-word counts (for training and reading the model)."""
    classes, stopwords, anchor, _ = analyse_page(blocks, title)
    return classes, stopwords, anchor


def hand_weights(blocks: list[Block], classes: list[str], anchor: int | None) -> list[float]:
    """The hand-set weights: words for prose, a small penalty for labels, a large one for chrome, and a
    head start for the paragraph right under the title heading."""
    weights = [_weight(b, c) for b, c in zip(blocks, classes, strict=True)]
    if anchor is not None:
        # The article starts just under its title: favour that over any longer prose elsewhere.
        for i in range(anchor + 1, min(anchor + ANCHOR_WINDOW, len(blocks))):
            if classes[i] in (GOOD, NEAR):
                weights[i] += TITLE_BONUS
                break
    return weights


def select_blocks(
    blocks: list[Block], title: str | None = None, model: BlockModel | str | None = None
) -> list[Block]:
    """The article's blocks, in page order. `model`: the shipped learned weights when None, a trained
    `BlockModel`, or HAND for the hand-set weights."""
    if not blocks:
        return []
    classes, stopwords, anchor, stops = analyse_page(blocks, title)
    hand = hand_weights(blocks, classes, anchor)
    if model == HAND:
        kept = select_run(blocks, classes, hand, hand)
    else:
        chosen = model if isinstance(model, BlockModel) else default_model()
        kept = select_run(blocks, classes, chosen.weights(blocks, classes, stopwords, anchor, hand, stops), hand)
    # The headline printed again at the top (a scrape's first line) is the title, not the body.
    headline = " ".join(title.lower().split()) if title else None
    while kept and kept[0].text.lower() == headline:
        kept.pop(0)
    return kept


def select_run(blocks: list[Block], classes: list[str], weights: list[float], hand: list[float]) -> list[Block]:
    """The densest run of the weights, carried over in-article promos (judged by the hand weights: how
    much prose resumes after the promo), ended at a comment thread, with chrome and repeated lines left
    out."""
    start, end = _best_segment(weights)
    if start == end:
        # No run of prose at all (a short note, a bulleted advisory): keep what is not chrome.
        return [
            b for b, c in zip(blocks, classes, strict=True) if c != BAD and b.kind != "h" and b.words >= 4
        ][:50]
    skipped: set[int] = set()
    end = _bridge_interruptions(blocks, [max(w, h) for w, h in zip(weights, hand, strict=True)], classes, end, skipped)
    end = _cut_at_comments(blocks, weights, start, end)
    seen: set[str] = set()
    kept: list[Block] = []
    for i in range(start, end):
        block = blocks[i]
        if classes[i] == BAD or i in skipped:
            continue
        key = block.text.lower()
        if key in seen:
            continue  # a heading or prompt printed twice (desktop + mobile markup), a repeated promo
        seen.add(key)
        kept.append(block)
    # A heading or short line at the very end of the run introduces what follows: not the article.
    while kept and classes[kept[-1].index] == SHORT:
        kept.pop()
    return kept


def clean_text(
    text: str, fmt: str = "markdown", title: str | None = None, *, model: BlockModel | str | None = None
) -> str:
    """The article body of a stored page as plain-text paragraphs separated by blank lines.

    `fmt` is "markdown" or "text": both go through the same parser (plain scraped text is markdown
    without links); `title`, when known, helps find where the article starts.
    """
    del fmt
    return "\n\n".join(block.text for block in select_blocks(parse_blocks(text), title, model))

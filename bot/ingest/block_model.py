"""Learned block weights for the cleaner: a logistic model over explainable block features says how
likely a block is part of the article, and that probability becomes the block's weight in the
densest-run search (`clean.select_blocks`).

Why learned: hand-set weights fitted the dev pages (F1 0.950) better than pages they never saw
(0.898). The model's few coefficients are fitted on the gold bodies of the dev pages by
`evaluation/train_blocks.py` and chosen by cross-validation (trained on k-1 folds, scored on the
held-out one); they ship as `data/block_weights.json`. Inference is a dot product per block in pure
Python: nothing is downloaded, nothing heavy is imported, and it adds little to cleaning time.

The features are the cleaner's own verdicts (class, kind), the jusText shape measures (length, link
and stop-word density, sentence punctuation) and the block's place on the page (relative position,
before/after the title heading, what its neighbours are), so each coefficient can be read.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from bot.ingest.classify import BAD, GOOD, LIST, NEAR, ROW, SHORT, ends_sentence, opens_comments
from bot.ingest.markup import Block

FEATURES = (
    "bias",
    "class_good",
    "class_near",
    "class_short",
    "class_row",
    "class_list",
    "class_bad",
    "kind_heading",
    "kind_list_item",
    "kind_quote",
    "log_words",
    "link_density",
    "stopword_density",
    "ends_sentence",
    "after_image",
    "position",
    "before_title",
    "after_title",
    "first_prose_under_title",
    "good_neighbours",
    "bad_neighbours",
    "after_comments",
)
_CLASS_FEATURE = {GOOD: 1, NEAR: 2, SHORT: 3, ROW: 4, LIST: 5, BAD: 6}
_KIND_FEATURE = {"h": 7, "li": 8, "quote": 9}
NEIGHBOURS = 2  # blocks either side whose classes describe the block's surroundings
TITLE_WINDOW = 8  # blocks under the title heading where the first paragraph may start


@dataclass(frozen=True, slots=True)
class BlockModel:
    """Coefficients (one per name in FEATURES) and how a probability becomes a run weight:
    (p - threshold) * (min(words, word_cap) + word_floor)."""

    coefficients: tuple[float, ...]
    threshold: float = 0.5
    word_cap: float = 80.0
    word_floor: float = 4.0
    hand_blend: float = 0.0  # share of the hand-set weight added to the learned one
    title_bonus: float = 0.0  # head start for the first paragraph under the title heading

    def to_json(self) -> str:
        return json.dumps(
            {
                "features": list(FEATURES),
                "coefficients": [round(c, 6) for c in self.coefficients],
                "threshold": self.threshold,
                "word_cap": self.word_cap,
                "word_floor": self.word_floor,
                "hand_blend": self.hand_blend,
                "title_bonus": self.title_bonus,
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> BlockModel:
        data = json.loads(text)
        if list(data["features"]) != list(FEATURES):
            raise ValueError("block model was trained on other features: retrain it")
        return cls(
            tuple(float(c) for c in data["coefficients"]),
            float(data["threshold"]),
            float(data["word_cap"]),
            float(data["word_floor"]),
            float(data.get("hand_blend", 0.0)),
            float(data.get("title_bonus", 0.0)),
        )

    def probabilities(self, rows: list[list[float]]) -> list[float]:
        return [_sigmoid(sum(c * x for c, x in zip(self.coefficients, row, strict=True))) for row in rows]

    def weights(
        self,
        blocks: list[Block],
        classes: list[str],
        stopwords: frozenset[str] | None,
        anchor: int | None,
        hand: list[float],
        stops: Sequence[int] | None = None,
    ) -> list[float]:
        """Each block's run weight: (p - threshold) * (min(words, cap) + floor) + blend * hand weight
        + title bonus. The same sum as `block_features` . coefficients, computed in one pass with the
        parts that depend only on the block's own text cached (pages that repeat a line 100,000 times
        must stay fast). `stops`: each block's count of `stopwords`, when already counted."""
        c = self.coefficients
        n = len(blocks)
        first_prose = _first_prose(classes, anchor, n)
        good, bad = _neighbour_flags(classes)
        own: dict[tuple[str, str, str, bool], float] = {}
        out: list[float] = []
        comments_opened = False
        window_good = sum(good[: NEIGHBOURS + 1])
        window_bad = sum(bad[: NEIGHBOURS + 1])
        c15, c16, c17, c18, c19, c20, c21 = c[15:22]
        threshold, cap, floor, blend = self.threshold, self.word_cap, self.word_floor, self.hand_blend
        for i, block in enumerate(blocks):
            cls = classes[i]
            key = (block.text, block.kind, cls, block.after_image)
            static = own.get(key)
            if static is None:
                count = None if stops is None else stops[i]
                static = own[key] = math.fsum(_own_terms(c, block, cls, stopwords, count))
            # the span of neighbours: NEIGHBOURS either side, fewer at the page's ends
            span = (
                (n if i + NEIGHBOURS + 1 > n else i + NEIGHBOURS + 1)
                - (i - NEIGHBOURS if i > NEIGHBOURS else 0)
                - 1
            )
            z = static + c15 * (i / n)
            if anchor is not None:
                z += c16 if i < anchor else c17 if i > anchor else 0.0
            if i == first_prose:
                z += c18
            if span > 0:
                z += c19 * (window_good - good[i]) / span + c20 * (window_bad - bad[i]) / span
            if comments_opened:
                z += c21
            words = block.words
            comments_opened = comments_opened or (words <= 6 and opens_comments(block))
            # slide the neighbour window to i + 1: [i - NEIGHBOURS + 1, i + NEIGHBOURS + 2)
            if i >= NEIGHBOURS:
                window_good -= good[i - NEIGHBOURS]
                window_bad -= bad[i - NEIGHBOURS]
            if i + NEIGHBOURS + 1 < n:
                window_good += good[i + NEIGHBOURS + 1]
                window_bad += bad[i + NEIGHBOURS + 1]
            # `_sigmoid`, inlined (one call fewer per block)
            p = 1.0 / (1.0 + math.exp(-(30.0 if z > 30.0 else -30.0 if z < -30.0 else z)))
            weight = (p - threshold) * ((cap if words > cap else words) + floor)
            out.append(weight + blend * hand[i] + (self.title_bonus if i == first_prose else 0.0))
        return out


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@cache
def default_model() -> BlockModel:
    """The shipped weights (bot/ingest/data/block_weights.json)."""
    text = resources.files("bot.ingest").joinpath("data/block_weights.json").read_text(encoding="utf-8")
    return BlockModel.from_json(text)


_OWN_FEATURES = 15  # features 0-14 depend on the block alone; 15-21 on its place on the page


def _own_features(block: Block, cls: str, stopwords: frozenset[str] | None) -> list[float]:
    row = [0.0] * _OWN_FEATURES
    row[0] = 1.0
    row[_CLASS_FEATURE.get(cls, 6)] = 1.0
    if (kind := _KIND_FEATURE.get(block.kind)) is not None:
        row[kind] = 1.0
    words = block.words
    row[10] = math.log1p(words)
    row[11] = block.link_chars / len(block.text) if block.text else 0.0
    if stopwords is not None and words:
        row[12] = sum(1 for t in block.tokens if t in stopwords) / words
    row[13] = 1.0 if ends_sentence(block.text) else 0.0
    row[14] = 1.0 if block.after_image else 0.0
    return row


def _own_terms(
    c: tuple[float, ...], block: Block, cls: str, stopwords: frozenset[str] | None, stops: int | None
) -> list[float]:
    """The non-zero products of `_own_features` with the coefficients: `math.fsum` of them is exactly
    the fsum of all fifteen (features are 0 or 1 but for three, and c * 1.0 == c), without building the
    row. Stop words counted with `filter` (a generator per block cost a tenth of cleaning)."""
    terms = [c[0], c[_CLASS_FEATURE.get(cls, 6)]]
    if (kind := _KIND_FEATURE.get(block.kind)) is not None:
        terms.append(c[kind])
    words = block.words
    text = block.text
    terms.append(c[10] * math.log1p(words))
    if block.link_chars and text:
        terms.append(c[11] * (block.link_chars / len(text)))
    if stopwords is not None and words:
        count = len([*filter(stopwords.__contains__, block.tokens)]) if stops is None else stops
        terms.append(c[12] * (count / words))
    if ends_sentence(text):
        terms.append(c[13])
    if block.after_image:
        terms.append(c[14])
    return terms


def _first_prose(classes: list[str], anchor: int | None, n: int) -> int:
    if anchor is None:
        return -1
    return next((i for i in range(anchor + 1, min(anchor + TITLE_WINDOW, n)) if classes[i] in (GOOD, NEAR)), -1)


def _neighbour_flags(classes: list[str]) -> tuple[list[float], list[float]]:
    return (
        [1.0 if c in (GOOD, NEAR) else 0.0 for c in classes],
        [1.0 if c == BAD else 0.0 for c in classes],
    )


def block_features(
    blocks: list[Block], classes: list[str], stopwords: frozenset[str] | None, anchor: int | None
) -> list[list[float]]:
    """One feature row per block, in FEATURES order (for training and reading the model)."""
    n = len(blocks)
    good, bad = _neighbour_flags(classes)
    first_prose = _first_prose(classes, anchor, n)
    rows: list[list[float]] = []
    comments_opened = False
    for i, block in enumerate(blocks):
        row = _own_features(block, classes[i], stopwords) + [0.0] * (len(FEATURES) - _OWN_FEATURES)
        row[15] = i / n
        if anchor is not None:
            row[16] = 1.0 if i < anchor else 0.0
            row[17] = 1.0 if i > anchor else 0.0
        row[18] = 1.0 if i == first_prose else 0.0
        lo, hi = max(0, i - NEIGHBOURS), min(n, i + NEIGHBOURS + 1)
        span = hi - lo - 1
        if span > 0:
            row[19] = (sum(good[lo:hi]) - good[i]) / span
            row[20] = (sum(bad[lo:hi]) - bad[i]) / span
        row[21] = 1.0 if comments_opened else 0.0
        comments_opened = comments_opened or (block.words <= 6 and opens_comments(block))
        rows.append(row)
    return rows

"""Train the cleaner's block model (bot/ingest/block_model.py) on pages with gold article bodies.

Each block of each page (its markdown form and its text form) is labelled by how much of it the gold
body holds (the share of its 4-token shingles, or of its whole token run when shorter, found in the
gold text); a logistic regression with an L2 penalty is fitted to those labels, each block weighted
by its length (long blocks decide the score). The decoding constants (the probability that weighs
nothing, and the length floor) are then chosen on the same training pages by the page-level F1.
Held-out pages are never looked at: `evaluation.extraction_cv` calls `train` once per fold.

`python -m evaluation.train_blocks [pages.jsonl.gz]` trains on every dev page and writes
bot/ingest/data/block_weights.json (the shipped weights).
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.ingest.block_model import FEATURES, BlockModel, block_features
from bot.ingest.clean import analyse_blocks, hand_weights, select_run
from bot.ingest.markup import Block, parse_blocks
from evaluation.extraction import DEFAULT_PAGES, load_pages, score_pairs

Page = dict[str, Any]
_TOKEN = re.compile(r"\w+")
FIELDS = ("markdown", "text")
L2 = 1.0
THRESHOLDS = (0.4, 0.5)
WORD_FLOORS = (2.0, 8.0)
HAND_BLENDS = (0.0, 0.25, 0.5)
TITLE_BONUSES = (0.0, 20.0, 40.0)
WEIGHTS_FILE = Path(__file__).resolve().parents[1] / "bot" / "ingest" / "data" / "block_weights.json"


def _ngrams(tokens: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def block_labels(blocks: Sequence[Block], gold: str) -> list[float]:
    """Share of each block's shingles (4 tokens, fewer for a short block) found in the gold body."""
    gold_tokens = _TOKEN.findall(gold)
    grams = {n: _ngrams(gold_tokens, n) for n in range(1, 5)}
    labels = []
    for block in blocks:
        tokens = _TOKEN.findall(block.text)
        if not tokens:
            labels.append(0.0)
            continue
        n = min(4, len(tokens))
        shingles = [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
        labels.append(sum(1 for s in shingles if s in grams[n]) / len(shingles))
    return labels


class PreparedPage:
    """One page form, parsed once: blocks, classes, features and labels (training re-decodes it often)."""

    def __init__(self, page: Page, field: str) -> None:
        self.gold = str(page["gold_body"])
        self.blocks = parse_blocks(str(page[field]))
        classes, stopwords, anchor = analyse_blocks(self.blocks, None)
        self.classes, self.stopwords, self.anchor = classes, stopwords, anchor
        self.rows = block_features(self.blocks, classes, stopwords, anchor)
        self.hand = hand_weights(self.blocks, classes, anchor)
        self.labels = block_labels(self.blocks, self.gold)

    def extract(self, model: BlockModel) -> str:
        if not self.blocks:
            return ""
        kept = select_run(self.blocks, self.classes, model.weights(self.blocks, classes=self.classes, stopwords=self.stopwords, anchor=self.anchor, hand=self.hand), self.hand)
        return "\n\n".join(b.text for b in kept)


def fit_logistic(x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray, l2: float = L2) -> np.ndarray:
    """Newton's method (IRLS) for a weighted logistic regression with soft labels; the bias is not
    penalised."""
    beta = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 0.0
    sw = sample_weight / sample_weight.mean()
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ beta, -30, 30)))
        gradient = x.T @ (sw * (p - y)) + penalty * beta
        hessian = (x * (sw * p * (1 - p))[:, None]).T @ x + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-6:
            break
    return beta


def train_prepared(prepared: Sequence[PreparedPage]) -> BlockModel:
    x = np.array([row for page in prepared for row in page.rows], dtype=float)
    y = np.array([label for page in prepared for label in page.labels], dtype=float)
    words = np.array([min(b.words, 80) + 4 for page in prepared for b in page.blocks], dtype=float)
    coefficients = tuple(float(c) for c in fit_logistic(x, y, words))
    best: tuple[float, BlockModel] | None = None
    for threshold, floor, blend, bonus in itertools.product(THRESHOLDS, WORD_FLOORS, HAND_BLENDS, TITLE_BONUSES):
        if True:
            model = BlockModel(coefficients, threshold, word_floor=floor, hand_blend=blend, title_bonus=bonus)
            f1 = score_pairs((page.gold, page.extract(model)) for page in prepared)["f1"]
            if best is None or f1 > best[0]:
                best = (f1, model)
    assert best is not None
    return best[1]


def prepare(pages: Sequence[Page]) -> list[PreparedPage]:
    return [PreparedPage(page, field) for page in pages for field in FIELDS]


def train(pages: Sequence[Page]) -> BlockModel:
    """A block model fitted to `pages` (both forms of each)."""
    return train_prepared(prepare(pages))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("pages", nargs="?", type=Path, default=DEFAULT_PAGES)
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    args = parser.parse_args(argv)
    if not args.pages.exists():
        print(f"error: no pages file at {args.pages}", file=sys.stderr)
        return 1
    model = train(load_pages(args.pages))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(model.to_json() + "\n", encoding="utf-8")
    for name, value in zip(FEATURES, model.coefficients, strict=True):
        print(f"{name:26} {value:+.3f}")
    print(f"threshold {model.threshold}  word floor {model.word_floor}  -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

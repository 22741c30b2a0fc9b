"""The learned block model: its shipped weights load and match its features, the fast weights equal
the feature dot product, and on the dev pages (third-party, read at run time) a model trained without a
fold still scores that fold, and the shipped one all pages, above a floor a little under today's
cross-validated figures (markdown 0.938, text 0.916 over 5 folds)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bot.ingest.block_model import FEATURES, BlockModel, block_features, default_model
from bot.ingest.clean import HAND, analyse_blocks, clean_text, hand_weights
from bot.ingest.markup import parse_blocks
from evaluation.extraction import load_pages, score_pairs
from evaluation.extraction_cv import folds_of
from evaluation.train_blocks import train

DEV_PAGES = (
    Path(__file__).resolve().parents[2].parent / "shared" / "data" / "extraction-dev" / "pages.jsonl.gz"
)
needs_dev_pages = pytest.mark.skipif(not DEV_PAGES.exists(), reason="../shared/data/extraction-dev is absent")

PAGE = """Home
News
Reviews

# Gateway maker patches flaws

By Ana Ruiz · March 3, 2031

The gateway maker shipped fixes on Tuesday for two flaws that let an attacker read session tokens from
memory without logging in, and said it had seen no attacks using them so far.

Customers should restrict the management interface to trusted networks until they can update, the
company said in an advisory, and rotate the credentials the gateway stores.

## Comments

Great, another patch. When will they learn to write safe code?
"""


def test_shipped_weights_load_and_name_every_feature() -> None:
    model = default_model()
    assert len(model.coefficients) == len(FEATURES)
    assert all(math.isfinite(c) for c in model.coefficients)
    assert BlockModel.from_json(model.to_json()) == model


def test_weights_trained_on_other_features_are_refused() -> None:
    text = default_model().to_json().replace('"after_comments"', '"something_else"')
    with pytest.raises(ValueError, match="retrain"):
        BlockModel.from_json(text)


def test_fast_weights_equal_the_feature_dot_product() -> None:
    model = default_model()
    blocks = parse_blocks(PAGE * 3)
    classes, stopwords, anchor = analyse_blocks(blocks, None)
    hand = hand_weights(blocks, classes, anchor)
    rows = block_features(blocks, classes, stopwords, anchor)
    expected = [
        (p - model.threshold) * (min(b.words, model.word_cap) + model.word_floor)
        + model.hand_blend * h
        + model.title_bonus * row[FEATURES.index("first_prose_under_title")]
        for b, p, h, row in zip(blocks, model.probabilities(rows), hand, rows, strict=True)
    ]
    assert model.weights(blocks, classes, stopwords, anchor, hand) == pytest.approx(expected)


def test_the_learned_cleaner_keeps_the_article_and_drops_menu_and_comments() -> None:
    body = clean_text(PAGE)
    assert body.startswith("The gateway maker shipped fixes") and body.endswith("the gateway stores.")
    assert clean_text(PAGE, model=HAND) == body  # on a plain page both weightings agree


@needs_dev_pages
def test_a_model_trained_without_a_fold_scores_it_above_the_floor() -> None:
    folds = folds_of(load_pages(DEV_PAGES))
    model = train([page for fold in folds[1:] for page in fold])
    held_out = folds[0]
    markdown = score_pairs((str(p["gold_body"]), clean_text(str(p["markdown"]), model=model)) for p in held_out)
    text = score_pairs((str(p["gold_body"]), clean_text(str(p["text"]), model=model)) for p in held_out)
    assert markdown["f1"] >= 0.93, markdown  # 0.949 today
    assert text["f1"] >= 0.91, text  # 0.938 today


@needs_dev_pages
def test_the_shipped_model_on_every_dev_page_stays_above_the_cross_validated_floor() -> None:
    pages = load_pages(DEV_PAGES)
    markdown = score_pairs((str(p["gold_body"]), clean_text(str(p["markdown"]))) for p in pages)
    text = score_pairs((str(p["gold_body"]), clean_text(str(p["text"]))) for p in pages)
    assert markdown["f1"] >= 0.93, markdown  # cross-validated 0.938 (0.922-0.963); in-sample 0.955
    assert text["f1"] >= 0.90, text  # cross-validated 0.916 (0.887-0.961); in-sample 0.932

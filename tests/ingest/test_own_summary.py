"""An aggregator's page that holds only a feed item's one-sentence summary (cut short with "[...]" or
"...") under its `# title`, between a menu and an author line: the summary is the article, not a
teaser of another one, and the author line is not."""

from __future__ import annotations

import pytest

from bot.ingest import article_from_bytes
from bot.ingest.clean import clean_text

SUMMARY = (
    "A storage vendor has warned customers that attackers are abusing an unpatched flaw in its backup"
    " appliance to plant web shells on exposed devices."
)
AUTHOR = "Robin Example covers security and privacy for the site."


def aggregator_page(title: str, story: str, *, author: str = AUTHOR) -> str:
    menu = "\n".join(
        f"* [{name}](/category/{name.lower()}/)" for name in ("Latest", "Security", "Cloud", "Podcasts")
    )
    others = "\n\n".join(
        f"[{headline}](https://news.example.com/{n}/)"
        for n, headline in enumerate(
            ("A router maker patches its firmware", "Police seize a botnet's servers")
        )
    )
    return (
        f"---\ntitle: {title}\nurl: https://vendor-news.example.com/2026/02/03/backup-flaw/\n"
        "source: Security news aggregator\ndate: 2026-02-04\n---\n\n"
        f"# {title}\n\n[![](https://news.example.com/logo.svg) Site Logo](https://news.example.com)\n\n"
        f"{menu}\n\nSearch\n\nSubmit\n\n"
        f"{story}\n\n{author}\n\n"
        "Share this article: [X](https://x.example/share) [Mail](mailto:?subject=story)\n\n"
        f"### Most Popular\n\n{others}\n\nSubscribe to our newsletter for the day's top stories.\n"
    )


@pytest.mark.parametrize("cut", [" [...]", "...", "…", " (...)"])
def test_the_cut_short_summary_under_the_title_is_the_article(cut: str) -> None:
    page = aggregator_page("Backup appliance flaw exploited to plant web shells", SUMMARY[:-1] + cut)
    article = article_from_bytes(page.encode(), "page.md")
    assert SUMMARY[:-1] in article.body
    assert "Robin Example" not in article.body and "Most Popular" not in article.body


def test_an_author_line_is_no_article_text() -> None:
    page = aggregator_page("Backup appliance flaw exploited to plant web shells", SUMMARY)
    body = article_from_bytes(page.encode(), "page.md").body
    assert body == SUMMARY
    for bio in (AUTHOR, "Kim Sample covers cloud platforms for Example Weekly."):
        assert bio not in clean_text(
            f"# Title of the story\n\n{SUMMARY}\n\n{bio}\n", title="Title of the story"
        )
    news = "Acme covers the cost for customers hit by the outage, the company said on Monday."
    assert news in clean_text(f"# Acme outage\n\n{SUMMARY}\n\n{news}\n", title="Acme outage")


def test_another_articles_teaser_further_down_is_still_dropped() -> None:
    article_text = "\n\n".join(
        [
            SUMMARY,
            "The company said a fix is in testing and asked customers to take the appliances off the"
            " internet until it ships, adding that it had seen fewer than a hundred affected devices.",
            "Researchers who found the intrusions said the web shells were hidden among the appliance's"
            " own scripts and survived a reboot, which made them hard to notice.",
        ]
    )
    teaser = (
        "A different company disclosed a breach of its support portal last week, saying an intruder"
        " copied names and email addresses of customers who had opened a case since..."
    )
    page = aggregator_page("Backup appliance flaw exploited to plant web shells", article_text).replace(
        "### Most Popular", f"### Most Popular\n\n#### Support portal breach\n\n{teaser}"
    )
    body = article_from_bytes(page.encode(), "page.md").body
    assert "fewer than a hundred affected devices" in body and "survived a reboot" in body
    assert "support portal" not in body

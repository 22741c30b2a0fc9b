"""Key facts of an article (dates, places, people, quantities, statements) and their merge across a
story's sources. One module per kind of fact; extract.py combines them."""

from bot.intel.facts.extract import ArticleFact, entity_keys, extract_facts, merge_facts

__all__ = ["ArticleFact", "entity_keys", "extract_facts", "merge_facts"]

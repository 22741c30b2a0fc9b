"""Key facts of an article and their merge across a story's sources: typed security facts (cve.py,
versions.py, incident.py, threats.py, kev.py, combined in security.py), statements and dates. One
module per kind of fact; extract.py combines them, merge.py keeps outlets' disagreements."""

from bot.intel.facts.extract import (
    ArticleFact,
    entity_keys,
    extract_facts,
    facts_for_event,
    merge_facts,
    people_names,
)

__all__ = ["ArticleFact", "entity_keys", "extract_facts", "facts_for_event", "merge_facts", "people_names"]

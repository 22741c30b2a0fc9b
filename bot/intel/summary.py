"""An extractive summary of a whole story: at most three sentences and 80 words, every one of them
copied from a source, chosen across all of the story's articles.

Candidates are sentences that read on their own: complete, not a question, not a quote fragment,
not opening with a pronoun or a connective that needs the sentence before ("It added", "However"),
and not naming a person by surname alone ("Tius said") when the full name is not already in the
summary. Each candidate is scored for position (outlets put the news first), centrality (how close
it sits to the story as a whole) and corroboration (how many other outlets say something close).
Maximal marginal relevance then picks sentences that add something, so the same news told by two
outlets is said once. Sentences carrying the same statement fact (same cue and place, e.g. "the UK
office is closing") count as saying the same thing even when the outlets chose different words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.intel.ports import Similarity, Vector
from bot.intel.prefilter import prefiltered
from bot.intel.sentences import Sentence, count_words
from bot.intel.similarity import add_vectors, normalise

MAX_SENTENCES = 3
MAX_WORDS = 80
MIN_WORDS, LONGEST_WORDS = 6, 50
REPEAT_THRESHOLD = 0.4  # two sentences this alike say the same thing
CORROBORATION_THRESHOLD = 0.25
MMR_LAMBDA = 0.7
FILLER_RATIO = 0.35  # a sentence scoring well under the best one is filler: stop instead
PER_ARTICLE = 12  # the news is near the top; this also bounds the pairwise comparisons

_DEPENDENT_START = re.compile(
    r"^(?:it|he|she|they|this|that|these|those|his|her|its|their|we|our|i|such|both|however|but|and|or|also"
    r"|meanwhile|instead|still|then|so|yet|additionally|furthermore|moreover|as a result|in addition)\b",
    re.IGNORECASE,
)
_QUOTE_OPEN = ("“", '"', "‘", "'")
# "The update was pushed…" refers back to something the reader has not seen; "The company…" is the
# story's vendor, always introduced by then.
_DEFINITE_HEAD = re.compile(r"^The ([a-z][a-z-]{2,})\b")
_SELF_EXPLAINING = frozenset({"company", "firm", "vendor", "government", "business", "move", "news"})
# In an article about a flaw, "The flaw, tracked as CVE-…" needs no antecedent: the story is the flaw.
_FLAW_NOUNS = frozenset(
    {"flaw", "flaws", "vulnerability", "vulnerabilities", "bug", "bugs", "issue", "issues", "zero-day"}
)
# The sentence that carries the CVE, its score or its exploitation status is what a security team needs.
SECURITY_CORE = prefiltered(
    r"\bCVE-\d{4}-\d{4,}|\bCVSS\b|\bout\s+of\s+10\b|exploited\s+in\s+the\s+wild|actively\s+exploited"
    r"|\bunder\s+active\s+(?:attack|exploitation)",
    re.IGNORECASE,
)
# Sales intros of advertorials ("In today's threat landscape…", "Register now…") never lead a summary.
SALES_INTRO = prefiltered(
    r"^(?:in\s+today'?s|in\s+an\s+era|as\s+(?:organizations|businesses|companies)\s+(?:increasingly|continue))"
    r"|\b(?:register|sign\s+up)\s+(?:now|here|today)\b|\bsave\s+your\s+seat\b|\brequest\s+a\s+demo\b"
    r"|\bfree\s+trial\b|\bthis\s+(?:article|post)\s+is\s+sponsored\b|\bwebinar\b",
    re.IGNORECASE,
)
_BOILERPLATE = re.compile(
    r"\b(?:subscribe|newsletter|sign up|affiliate|click here|read more|cookie|all rights reserved)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Candidate:
    text: str
    source: int
    position: int  # rank among the article's complete sentences (0 = lead)
    words: int
    claims: frozenset[str] = frozenset()  # statement-fact keys the sentence carries
    about_flaw: bool = False  # the story is about a vulnerability

    @property
    def refers_back_to(self) -> str | None:
        """The noun of an opening "The <noun>" that needs an antecedent, if any."""
        match = _DEFINITE_HEAD.match(self.text)
        if match is None or match.group(1) in _SELF_EXPLAINING:
            return None
        if self.about_flaw and match.group(1) in _FLAW_NOUNS:
            return None
        return match.group(1)[:5]


def same_claim(a: str, b: str) -> bool:
    """Statement keys "statement:<cue>:<place>" name one claim when the cue matches and the places do,
    or one of them names no place ("-")."""
    _, cue_a, place_a = [*a.split(":", 2), "", ""][:3]
    _, cue_b, place_b = [*b.split(":", 2), "", ""][:3]
    return cue_a == cue_b and (place_a == place_b or "-" in (place_a, place_b))


def _balanced_quotes(text: str) -> bool:
    return text.count("“") == text.count("”") and text.count('"') % 2 == 0


def readable(sentence: Sentence, surnames: dict[str, str]) -> bool:
    """Stands on its own: no dangling pronoun, connective, quote fragment or surname-only person."""
    text = sentence.text
    if not sentence.complete or text.endswith("?") or text.startswith(_QUOTE_OPEN):
        return False
    if text.endswith((",”", ',"')) or not _balanced_quotes(text):
        return False
    if (
        not MIN_WORDS <= count_words(text) <= LONGEST_WORDS
        or _BOILERPLATE.search(text)
        or SALES_INTRO.search(text)
    ):
        return False
    if _DEPENDENT_START.match(text) or not (text[0].isupper() or text[0].isdigit()):
        return False
    first = text.split()[0].strip(",.;:’'")
    return not (first in surnames and surnames[first] not in text)


def _surnames(names: Sequence[str]) -> dict[str, str]:
    return {name.split()[-1]: name for name in names if len(name.split()) > 1}


def summarize(
    articles: Sequence[Sequence[Sentence]],
    similarity: Similarity,
    *,
    people: Sequence[str] = (),
    claims: Sequence[Mapping[int, Sequence[str]]] = (),
    vendors: Sequence[str] = (),
    max_sentences: int = MAX_SENTENCES,
    max_words: int = MAX_WORDS,
) -> str:
    """Plain text. `articles` are the sentences of each source in source order; `people` are full
    names the story knows (so that "Tius said" is recognised as needing its antecedent); `claims`
    maps, per source, a sentence index to the statement-fact keys found in that sentence. A sentence
    that carries a statement fact or names a story vendor is about the event; others are background."""
    surnames = _surnames(people)
    about_flaw = any(
        SECURITY_CORE.search(s.text) for sentences in articles for s in sentences[: PER_ARTICLE * 2]
    )
    candidates: list[Candidate] = []
    fallback: list[Candidate] = []
    seen_texts: set[str] = set()
    for source, sentences in enumerate(articles):
        rank = 0
        for sentence in sentences:
            if not sentence.complete or rank >= PER_ARTICLE:
                continue
            normalised = " ".join(sentence.text.lower().split())
            found = claims[source].get(sentence.index, ()) if source < len(claims) else ()
            candidate = Candidate(
                sentence.text, source, rank, count_words(sentence.text), frozenset(found), about_flaw
            )
            rank += 1
            if normalised in seen_texts:
                continue  # a syndicated sentence is one candidate, credited to its first source
            seen_texts.add(normalised)
            if readable(sentence, surnames):
                candidates.append(candidate)
            elif (
                sentence.complete
                and count_words(sentence.text) <= LONGEST_WORDS
                and not SALES_INTRO.search(sentence.text)
            ):
                fallback.append(candidate)
    pool = candidates or fallback
    if not pool:
        return ""
    vectors = [similarity.vectorize(c.text) for c in pool]
    centroid: Vector = normalise(add_vectors((v, 1.0) for v in vectors))
    alike = [
        [similarity.similarity(a, b) if i != j else 1.0 for j, b in enumerate(vectors)]
        for i, a in enumerate(vectors)
    ]
    scores = []
    for i, candidate in enumerate(pool):
        centrality = similarity.similarity(vectors[i], centroid)
        others = {
            pool[j].source
            for j in range(len(pool))
            if pool[j].source != candidate.source and alike[i][j] >= CORROBORATION_THRESHOLD
        }
        corroboration = min(len(others), 3) / 3
        position = 1.0 / (1.0 + candidate.position)
        names_vendor = any(v.lower() in candidate.text.lower() for v in vendors)
        core = bool(SECURITY_CORE.search(candidate.text))
        about = 1.0 if candidate.claims or core else 0.5 if names_vendor else 0.0
        scores.append(0.4 * position + 0.25 * centrality + 0.15 * corroboration + 0.2 * about)
    chosen = _select(pool, alike, scores, max_sentences, max_words)
    return " ".join(pool[i].text for i in _with_core(chosen, pool, alike, scores, max_sentences, max_words))


def _with_core(
    chosen: list[int],
    pool: list[Candidate],
    alike: list[list[float]],
    scores: list[float],
    max_sentences: int,
    max_words: int,
) -> list[int]:
    """The sentence with the CVE, its score or its exploitation status belongs in the summary: when
    none was chosen, the best such sentence that reads on its own takes the last place (in reading
    order, so a "The flaw …" sentence still follows what introduces it)."""
    if not chosen or any(SECURITY_CORE.search(pool[i].text) for i in chosen):
        return chosen
    for keep in (chosen[: max_sentences - 1], chosen[:1]):  # the lead stays; a later pick may give way
        words = sum(pool[i].words for i in keep)
        introduced = " ".join(pool[j].text for j in keep).lower()
        core = [
            i
            for i in range(len(pool))
            if i not in keep
            and SECURITY_CORE.search(pool[i].text)
            and words + pool[i].words <= max_words
            and max((alike[i][j] for j in keep), default=0.0) < REPEAT_THRESHOLD
            and ((head := pool[i].refers_back_to) is None or head in introduced)
        ]
        if core:
            best = max(core, key=lambda i: scores[i])
            return sorted([*keep, best], key=lambda i: (pool[i].source, pool[i].position))
    return chosen


def _select(
    pool: list[Candidate], alike: list[list[float]], scores: list[float], max_sentences: int, max_words: int
) -> list[int]:
    """Maximal marginal relevance under the word budget; never two sentences that say the same."""
    chosen: list[int] = []
    words = 0
    remaining = set(range(len(pool)))
    while remaining and len(chosen) < max_sentences:
        best: tuple[float, int] | None = None
        for i in sorted(remaining):
            if words + pool[i].words > max_words:
                continue
            head = pool[i].refers_back_to
            if head and head not in " ".join(pool[j].text for j in chosen).lower():
                continue  # its "The <noun>" would dangle
            redundancy = max((alike[i][j] for j in chosen), default=0.0)
            if redundancy >= REPEAT_THRESHOLD or any(
                same_claim(a, b)
                for j in chosen
                if pool[j].source != pool[i].source  # one outlet does not repeat itself; two do
                for a in pool[i].claims
                for b in pool[j].claims
            ):
                continue
            mmr = MMR_LAMBDA * scores[i] - (1 - MMR_LAMBDA) * redundancy
            if chosen and scores[i] < FILLER_RATIO * scores[chosen[0]]:
                continue
            if best is None or mmr > best[0]:
                best = (mmr, i)
        if best is None:
            break
        chosen.append(best[1])
        words += pool[best[1]].words
        remaining.discard(best[1])
    return chosen

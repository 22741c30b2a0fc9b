"""One typed fact as the extractors find it, before the article's facts are merged and cited.

Its own module because both the extractor (`security`) and the background filter (`background`)
work on it, and the filter must not import the extractor that calls it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class TypedFact:
    kind: str
    key: str
    text: str
    position: int  # sentence index
    sentence: str
    data: dict[str, object] = field(default_factory=dict)
    value: str | None = None

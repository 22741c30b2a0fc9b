"""What Slack refuses for size, written from Slack's documented limits (not from the bot's code),
so the stand-in Slack and the property tests judge the bot's payloads independently.

Slack answers `invalid_blocks` to a message whose blocks break a Block Kit limit, and
`msg_too_long` to a `text` past 40,000 characters.
"""

from __future__ import annotations

import json
from typing import Any

BLOCK_LIMITS = {"header": 150, "section": 3000, "field": 2000, "context": 3000}


def block_problems(blocks: Any) -> list[str]:
    """Why Slack would answer `invalid_blocks`; empty when it would accept them."""
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if not blocks:
        return []
    problems: list[str] = []
    if len(blocks) > 50:
        problems.append(f"{len(blocks)} blocks (at most 50)")
    for index, block in enumerate(blocks):
        kind = block.get("type")
        text = (block.get("text") or {}).get("text") if isinstance(block.get("text"), dict) else None
        if kind == "header" and (not text or len(text) > BLOCK_LIMITS["header"]):
            problems.append(f"blocks[{index}] header text {len(text or '')} (1 to 150)")
        if kind == "section":
            fields = block.get("fields") or []
            if text is None and not fields:
                problems.append(f"blocks[{index}] section without text or fields")
            if text is not None and not 1 <= len(text) <= BLOCK_LIMITS["section"]:
                problems.append(f"blocks[{index}] section text {len(text)} (1 to 3000)")
            if len(fields) > 10:
                problems.append(f"blocks[{index}] {len(fields)} fields (at most 10)")
            for fi, field in enumerate(fields):
                if not 1 <= len(field.get("text") or "") <= BLOCK_LIMITS["field"]:
                    problems.append(f"blocks[{index}].fields[{fi}] text {len(field.get('text') or '')} (1 to 2000)")
        if kind == "context":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 10:
                problems.append(f"blocks[{index}] context with {len(elements)} elements (1 to 10)")
            for ei, element in enumerate(elements):
                if not 1 <= len(element.get("text") or "") <= BLOCK_LIMITS["context"]:
                    problems.append(f"blocks[{index}].elements[{ei}] text {len(element.get('text') or '')}")
    return problems


def message_problem(params: dict[str, Any]) -> str | None:
    """The error Slack's chat.postMessage / chat.update / response_url would answer, if any."""
    if len(str(params.get("text") or "")) > 40000:
        return "msg_too_long"
    if block_problems(params.get("blocks")):
        return "invalid_blocks"
    return None

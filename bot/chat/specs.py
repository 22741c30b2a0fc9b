"""The commands as data: adapters register each `CommandSpec` as a slash command (Slack), an
application command (Discord) or a line (console); the parser and the service read the same specs.
The calls an adapter makes with them (`Commands`, `CommandContext`, `Reply`) are in ports.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class OptionKind(StrEnum):
    TEXT = "text"
    VENDOR = "vendor"  # a vendor name; autocomplete source "vendors"
    CHOICE = "choice"  # one of `choices`
    CHOICES = "choices"  # comma-separated subset of `choices`
    DURATION = "duration"  # 30m, 2h, 3d, 1w
    WORDS = "words"  # comma-separated keywords


@dataclass(frozen=True, slots=True)
class OptionSpec:
    name: str
    description: str
    kind: OptionKind = OptionKind.TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    autocomplete: str | None = None  # "vendors" | "subscribed_vendors"
    keyword: bool = False  # given as `name:value` (filters) rather than by position
    max_length: int = 200


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str  # without the slash
    description: str
    options: tuple[OptionSpec, ...] = ()
    changes_subscriptions: bool = False  # gated by the subscription_permission setting

    @property
    def usage(self) -> str:
        parts = [f"/{self.name}"]
        for opt in self.options:
            shown = f"{opt.name}:…" if opt.keyword else opt.name.upper()
            parts.append(shown if opt.required else f"[{shown}]")
        return " ".join(parts)

"""Turn a slash command's argument text into named arguments, checked against its spec.

Shared by every text-based entry point (Slack, console); Discord hands typed options to
`validate_args` directly. Errors are `UsageError` with a one-line message for the user.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from datetime import timedelta

from bot.chat.specs import CommandSpec, OptionKind, OptionSpec

MAX_INPUT_CHARS = 500
_DURATION = re.compile(r"^(\d{1,4})\s*(m|min|mins|minutes?|h|hrs?|hours?|d|days?|w|weeks?)$", re.IGNORECASE)
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_MUTE = timedelta(days=90)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


class UsageError(ValueError):
    """Bad or missing arguments; the message is shown to the user as is (one line)."""


def clean_input(text: str) -> str:
    """Drop control, zero-width and bidi-override characters; collapse whitespace."""
    return " ".join(_CONTROL.sub("", text).split())


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text.strip())
    if not match:
        raise UsageError(f"'{text[:40]}' is not a duration; use e.g. 30m, 2h, 3d or 1w")
    amount, unit = int(match.group(1)), match.group(2)[0].lower()
    value = timedelta(seconds=amount * _UNIT_SECONDS[unit])
    if value <= timedelta(0) or value > MAX_MUTE:
        raise UsageError("a mute lasts between 1 minute and 90 days")
    return value


def split_words(value: str) -> tuple[str, ...]:
    """`a, b ,c` -> ("a", "b", "c"), lower-cased, de-duplicated, order kept."""
    seen: dict[str, None] = {}
    for part in value.split(","):
        word = part.strip().lower()
        if word:
            seen.setdefault(word, None)
    return tuple(seen)


def _check_option(spec: CommandSpec, opt: OptionSpec, value: str) -> str:
    value = clean_input(value)
    if len(value) > opt.max_length:
        raise UsageError(f"{opt.name} is too long (at most {opt.max_length} characters)")
    if not value and opt.required:
        raise UsageError(f"{opt.name} is missing. Usage: {spec.usage}")
    if opt.kind is OptionKind.CHOICE and value and value.lower() not in opt.choices:
        raise UsageError(f"{opt.name} must be one of: {', '.join(opt.choices)}")
    if opt.kind is OptionKind.CHOICES and value:
        bad = [w for w in split_words(value) if w not in opt.choices]
        if bad:
            raise UsageError(f"unknown {opt.name} '{bad[0]}'; choose from: {', '.join(opt.choices)}")
    if opt.kind is OptionKind.DURATION and value:
        parse_duration(value)
    return value


def validate_args(spec: CommandSpec, args: Mapping[str, str]) -> dict[str, str]:
    """Check named arguments (from any platform) against the spec; returns cleaned values."""
    known = {opt.name: opt for opt in spec.options}
    for name in args:
        if name not in known:
            raise UsageError(f"unknown option '{clean_input(name)[:30]}'. Usage: {spec.usage}")
    out: dict[str, str] = {}
    for opt in spec.options:
        raw = args.get(opt.name)
        if raw is None or not str(raw).strip():
            if opt.required:
                raise UsageError(f"{opt.name} is missing. Usage: {spec.usage}")
            continue
        out[opt.name] = _check_option(spec, opt, str(raw))
    return out


def parse_text(spec: CommandSpec, text: str) -> dict[str, str]:
    """`kaspersky types:breach include:"data leak"` -> {"vendor": "kaspersky", "types": "breach", ...}.

    Keyword options are `name:value`; the remaining words fill the positional options, the last
    positionals taking one word each from the end so a multi-word vendor name fits the first.
    """
    if len(text) > MAX_INPUT_CHARS:
        raise UsageError(f"input too long (at most {MAX_INPUT_CHARS} characters)")
    cleaned = clean_input(text)
    try:
        tokens = shlex.split(cleaned)
    except ValueError:  # a lone apostrophe ("O'Reilly"): words as typed
        tokens = cleaned.split()
    keywords = {opt.name: opt for opt in spec.options if opt.keyword}
    named: dict[str, str] = {}
    words: list[str] = []
    for token in tokens:
        name, sep, value = token.partition(":")
        if sep and name.lower() in keywords:
            named[name.lower()] = value
        else:
            words.append(token)
    positionals = [opt for opt in spec.options if not opt.keyword]
    if words and not positionals:
        raise UsageError(f"/{spec.name} takes no arguments. Usage: {spec.usage}")
    for opt in reversed(positionals[1:]):
        if len(words) > 1:
            named[opt.name] = words.pop()
    if words and positionals:
        named[positionals[0].name] = " ".join(words)
    return validate_args(spec, named)

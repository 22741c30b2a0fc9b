"""The embedded default platform: commands from standard input, replies and alerts on standard output."""

from bot.adapters.console.platform import CONSOLE_CHANNEL, ConsolePlatform

__all__ = ["CONSOLE_CHANNEL", "ConsolePlatform"]

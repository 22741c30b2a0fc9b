"""Discord: application commands from the neutral specs, alerts as embeds (see README, "Connect to Discord").

The only package in the project that imports discord.py.
"""

from bot.adapters.discord.platform import DiscordPlatform, DiscordStartupError

__all__ = ["DiscordPlatform", "DiscordStartupError"]

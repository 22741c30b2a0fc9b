"""The Slack adapter. The only package that imports slack_bolt / slack_sdk.

`SlackPlatform(settings, commands)` implements `bot.chat.ports.ChatPlatform`; `manifest.yaml`
beside this file is the app manifest a workspace admin pastes into api.slack.com/apps.
"""

from bot.adapters.slack.platform import SlackConfigError, SlackPlatform, SlackStartupError

__all__ = ["SlackConfigError", "SlackPlatform", "SlackStartupError"]

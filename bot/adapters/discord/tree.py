"""Application (slash) commands built from the neutral command specs, and interaction handling.

Each `CommandSpec` becomes an `app_commands.Command` whose callback has a generated signature:
discord.py reads parameters from the callback's signature, so one generic callback per spec with
`__signature__` set gives typed options (length limits, choices, autocomplete, descriptions)
without a hand-written function per command. Python parameter names are `p0`, `p1`, … renamed to
the spec's option names, so any valid Discord option name works.

Every command defers first (ephemeral), then calls `Commands.run`: Discord wants an answer within
3 s, and a command may touch the database or the vendor catalog. The first follow-up after an
ephemeral defer replaces the "thinking…" message and is ephemeral too, so a public reply first
turns that message into a short private note and then posts the reply as a second, public
follow-up.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord.embeds import reply_parts
from bot.chat.ports import CommandContext, Commands, Reply
from bot.chat.specs import CommandSpec, OptionKind, OptionSpec
from bot.config import Settings
from bot.models import ChannelRef

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
MAX_CHOICES = 25
DESCRIPTION_LIMIT = 100
PUBLIC_NOTE = "Posted in the channel."

Callback = Callable[..., Coroutine[Any, Any, None]]
Completer = Callable[[discord.Interaction[Any], str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]


def channel_ref(interaction: discord.Interaction[Any]) -> ChannelRef:
    workspace = str(interaction.guild_id) if interaction.guild_id else "dm"
    return ChannelRef("discord", workspace, str(interaction.channel_id or ""))


def command_context(interaction: discord.Interaction[Any]) -> CommandContext:
    async def is_admin() -> bool:
        if interaction.guild_id is None:  # a DM belongs to the person in it
            return True
        permissions = interaction.permissions
        return bool(permissions.manage_channels or permissions.administrator)

    user = interaction.user
    return CommandContext(
        channel=channel_ref(interaction),
        user=str(user.id),
        is_admin=is_admin,
        user_name=user.display_name,
    )


def _description(text: str) -> str:
    text = " ".join(text.split()) or "…"
    return text if len(text) <= DESCRIPTION_LIMIT else text[: DESCRIPTION_LIMIT - 1] + "…"


def _annotation(option: OptionSpec) -> Any:
    if option.kind is OptionKind.CHOICE and 0 < len(option.choices) <= MAX_CHOICES:
        return str
    return app_commands.Range[str, None, max(1, min(option.max_length, 6000))]


def _choices_completion(option: OptionSpec, current: str) -> list[str]:
    """Suggestions for a comma-separated subset of fixed choices: complete the last item."""
    done, _, last = current.rpartition(",")
    chosen = [item.strip() for item in done.split(",") if item.strip()]
    head = ",".join(chosen)
    return [
        f"{head},{choice}" if head else choice
        for choice in option.choices
        if choice.startswith(last.strip().lower()) and choice not in chosen
    ]


class CommandBuilder:
    """Builds the tree for one client and handles its interactions."""

    def __init__(self, settings: Settings, commands: Commands) -> None:
        self._settings = settings
        self._commands = commands

    def build(self, client: discord.Client) -> app_commands.CommandTree[discord.Client]:
        tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)
        for spec in self._commands.specs:
            tree.add_command(self.command(spec))
        return tree

    def command(self, spec: CommandSpec) -> app_commands.Command[Any, ..., None]:
        names = {f"p{index}": option for index, option in enumerate(spec.options)}
        callback = self._callback(spec, names)
        app_commands.rename(**{py: option.name for py, option in names.items()})(callback)
        app_commands.describe(**{py: _description(o.description) for py, o in names.items()})(callback)
        choices = {
            py: [app_commands.Choice(name=c[:100], value=c[:100]) for c in option.choices]
            for py, option in names.items()
            if option.kind is OptionKind.CHOICE and 0 < len(option.choices) <= MAX_CHOICES
        }
        if choices:
            app_commands.choices(**choices)(callback)
        completers: dict[str, Completer] = {}
        for py, option in names.items():
            completer = None if py in choices else self._completer(option)
            if completer is not None:
                completers[py] = completer
        if completers:
            app_commands.autocomplete(**completers)(callback)
        command: app_commands.Command[Any, ..., None] = app_commands.Command(
            name=spec.name, description=_description(spec.description), callback=callback
        )
        if spec.changes_subscriptions and self._settings.subscription_permission == "admins":
            # Server admins can still re-grant it per role/channel in Server Settings > Integrations.
            command.default_permissions = discord.Permissions(manage_channels=True)
        return command

    def _callback(self, spec: CommandSpec, names: Mapping[str, OptionSpec]) -> Callback:
        async def callback(interaction: discord.Interaction[Any], **values: Any) -> None:
            args = {names[py].name: str(value) for py, value in values.items() if value is not None}
            await self.invoke(interaction, spec.name, args)

        parameters = [
            inspect.Parameter(
                "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
            )
        ]
        for py, option in names.items():
            default = inspect.Parameter.empty if option.required else None
            parameters.append(
                inspect.Parameter(
                    py, inspect.Parameter.KEYWORD_ONLY, annotation=_annotation(option), default=default
                )
            )
        callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        callback.__name__ = callback.__qualname__ = f"slash_{spec.name}"
        return callback

    def _completer(self, option: OptionSpec) -> Completer | None:
        source = option.autocomplete or ("vendors" if option.kind is OptionKind.VENDOR else None)
        if source is None and not (option.kind is OptionKind.CHOICES and option.choices):
            return None

        async def complete(
            interaction: discord.Interaction[Any], current: str
        ) -> list[app_commands.Choice[str]]:
            if source is not None:
                values = await self._commands.autocomplete(command_context(interaction), source, current)
            else:
                values = _choices_completion(option, current)
            return [app_commands.Choice(name=v[:100], value=v[:100]) for v in values[:MAX_CHOICES]]

        return complete

    async def invoke(self, interaction: discord.Interaction[Any], name: str, args: Mapping[str, str]) -> None:
        """Defer, run the neutral command, answer with its reply. Never raises for a bad command."""
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
        except discord.HTTPException as error:  # expired (10062) or already answered
            log.warning("could not acknowledge /%s: %s", name, error)
            return
        try:
            reply = await self._commands.run(command_context(interaction), name, args)
        except Exception:
            log.exception("command /%s raised", name)
            reply = Reply(f"Sorry, /{name} failed on our side; it has been logged.", error=True)
        try:
            await self.answer(interaction, reply)
        except discord.HTTPException as error:
            log.warning("could not answer /%s: %s", name, error)

    async def answer(self, interaction: discord.Interaction[Any], reply: Reply) -> None:
        content, embed = reply_parts(reply.text, reply.story)
        if not content and embed is None:
            content = "Done."
        message: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
        if content:
            message["content"] = content
        if embed is not None:
            message["embed"] = embed
        if reply.ephemeral or reply.error:
            await interaction.followup.send(**message, ephemeral=True)
            return
        await interaction.edit_original_response(content=PUBLIC_NOTE)
        await interaction.followup.send(**message, ephemeral=False)

"""Exceptions that end a run with one clear line on stderr, and the exit codes the CLI contract promises."""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # an annotation only: the command line's --help and usage errors do not load pydantic
    from pydantic import ValidationError


class ExitCode(IntEnum):
    OK = 0  # nothing at or above --fail-on
    FINDINGS = 1  # findings at or above --fail-on
    ERROR = 2  # could not run: usage, config, credentials, unreadable input
    INCOMPLETE = 3  # ran, nothing failed the gate, but some account or API could not be read


class AuditorError(Exception):
    """An expected failure: the CLI prints ``auditor: <message>`` and exits with ``exit_code``."""

    exit_code: ExitCode = ExitCode.ERROR


class InputError(AuditorError):
    """A file or argument the user gave is unusable (inventory, config, baseline, rules dir)."""


class CredentialsError(AuditorError):
    """No usable AWS credentials: none found, unknown profile, expired SSO session."""


def describe_validation_error(exc: ValidationError) -> str:
    """The first problem as ``key.path: what is wrong`` (one line, as the CLI contract wants)."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(top level)"
    if first["type"] == "extra_forbidden":
        return f"{where}: unknown key"
    message = first["msg"]
    if first["type"] == "value_error":
        message = message.removeprefix("Value error, ")
    return f"{where[:80]}: {message[:150]} (got {short_repr(first.get('input'))})"


def short_repr(value: object, limit: int = 60) -> str:
    """The offending input, shortened: a whole file's content is not "one clear line". ``repr`` escapes control
    characters, so a name from an inventory cannot add a line or a terminal escape to the message."""
    text = repr(value)
    if isinstance(value, dict | list):
        text = f"{type(value).__name__} of {len(value)} item(s)" if len(text) > limit else text
    return text if len(text) <= limit else text[: limit - 1] + "…"

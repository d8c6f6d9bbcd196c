"""The ``local`` source: the AWS CLI's shared credentials and config files on the machine the auditor runs on.

Where the files are follows the CLI and the SDKs: ``AWS_SHARED_CREDENTIALS_FILE`` and ``AWS_CONFIG_FILE`` when
set, else ``~/.aws/credentials`` and ``~/.aws/config``. A missing file is a fact (nothing configured there), not
an error; an unreadable one is a coverage gap.

The files are parsed line by line, deliberately not with ``configparser``: a parser would load every value,
secrets included, into memory objects that might end up in a traceback or a debug log. Here a secret access key
or session token line only ever yields "a value is present"; the value is dropped on the line it was read.

A file saved with a byte order mark (UTF-8, UTF-16, UTF-32: Windows editors and PowerShell write them) is decoded
by it (``auditor.util.text``). A file that cannot be decoded, or holds lines that are neither a section, a
setting nor a comment (the AWS CLI refuses such a file too), is an error entry naming the file and the lines,
never their text: a file read as "no profiles" would pass LOCAL-001 while a key sits in it. What could be read
is still reported.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import auditor
from auditor.inventory import (
    CLI_FILES_SOURCE,
    CliFiles,
    CliProfile,
    CliProfileKind,
    CollectionError,
    CollectionInfo,
    Inventory,
    ToolInfo,
)
from auditor.source import Source
from auditor.util.inputfile import CLI_FILE_LIMIT, UnreadableInputError, read_input
from auditor.util.textfiles import UndecodableText, decode_text

_SECTION = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*(?:[#;].*)?$")
_SETTING = re.compile(r"^([A-Za-z0-9_.-]+)\s*[=:]\s*(.*)$")  # ":" as configparser (the CLI's reader) takes it
_DELIMITER = re.compile(r"[=:]")
# Lines end where Python's text files end them (configparser reads them so), not at str.splitlines()'s
# other breaks (U+2028, \f, \v...), so line numbers are the ones an editor shows.
_LINE_END = re.compile(r"\r\n|\r|\n")
_SECRET_SETTINGS = frozenset({"aws_secret_access_key", "aws_session_token", "aws_security_token"})
_KEY_ID = re.compile(r"^[A-Z0-9]{16,128}$")


def cli_file_paths(environ: Mapping[str, str] | None = None) -> tuple[Path, Path]:
    """(credentials, config), as the AWS CLI resolves them."""
    env = os.environ if environ is None else environ
    credentials = env.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"
    config = env.get("AWS_CONFIG_FILE") or "~/.aws/config"
    return Path(credentials).expanduser(), Path(config).expanduser()


class CliFilesSource(Source):
    name = CLI_FILES_SOURCE

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.credentials, self.config = cli_file_paths(environ)

    def collect(self) -> Inventory:
        started_at = datetime.now(UTC)
        files = CliFiles()
        errors: list[CollectionError] = []
        for path, is_config in ((self.credentials, False), (self.config, True)):
            if not path.exists():
                files.files_missing.append(str(path))
                continue
            try:  # a regular file, bounded: a FIFO or /dev/zero named by AWS_CONFIG_FILE is a gap, never a hang
                data = read_input(path, "AWS CLI", CLI_FILE_LIMIT)
            except UnreadableInputError as exc:
                errors.append(_file_error(path, "UnreadableFile", exc.reason))
                continue
            decoded = True
            try:
                text, _ = decode_text(data)
            except UndecodableText as exc:
                errors.append(_file_error(path, "UndecodableFile", f"{exc}: its profiles may be missing or cut"))
                text, decoded = data.decode("utf-8", errors="replace"), False  # what can still be read is reported
            files.files_read.append(str(path))
            parsed = parse_cli_file(_LINE_END.split(text), str(path), is_config=is_config)
            files.profiles += parsed.profiles
            if parsed.unparsed_lines and decoded:  # an undecodable file's lines: its one error says it
                errors.append(_file_error(path, "UnparsableLines", _unparsed_message(parsed.unparsed_lines)))
        return Inventory(
            tool=ToolInfo(name=auditor.TOOL_NAME, version=auditor.__version__),
            collection=CollectionInfo(
                started_at=started_at,
                finished_at=datetime.now(UTC),
                sources=["local:aws-cli-files"],
                sources_collected=[CLI_FILES_SOURCE],
            ),
            cli_files=files,
            errors=errors,
        )


def _file_error(path: Path, code: str, message: str) -> CollectionError:
    return CollectionError(service="local", operation=f"read {path}", error_code=code, message=message)


def _unparsed_message(lines: list[int]) -> str:
    """The line numbers only: a line that is not a setting may still hold a secret."""
    shown = ", ".join(str(number) for number in lines[:10])
    if len(lines) > 10:
        shown += f" and {len(lines) - 10} more"
    return (
        f"line(s) {shown}: not a [section], a setting or a comment, or before the first [section] "
        "(the AWS CLI refuses this file too); profiles may be missing"
    )


@dataclass(frozen=True)
class ParsedCliFile:
    """One file's profiles, and the lines that could not be understood (1-based)."""

    profiles: list[CliProfile]
    unparsed_lines: list[int]


@dataclass
class _Section:
    profile: str
    line: int
    settings: dict[str, str] = field(default_factory=dict)  # never holds a secret: see _SECRET_SETTINGS
    key_id_line: int | None = None
    secret_present: bool = False
    session_token_present: bool = False


def parse_cli_file(lines: list[str], path: str, *, is_config: bool) -> ParsedCliFile:
    """The profile sections of one file. In the config file a profile is ``[default]`` or ``[profile NAME]``
    (``[sso-session]`` and ``[services]`` sections are not profiles); in the credentials file every section is.

    A line configparser (the CLI's reader) would refuse is listed in ``unparsed_lines``: text before the first
    section, or a line with no ``=`` or ``:`` (a broken ``[header``, a stray word)."""
    profiles: list[CliProfile] = []
    unparsed: list[int] = []
    current: _Section | None = None
    in_section = False
    for number, raw in enumerate(lines, start=1):
        header = _SECTION.match(raw)
        if header:
            if current is not None:
                profiles.append(_profile(current, path))
            current = _open_section(header.group(1), number, is_config=is_config)
            in_section = True
            continue
        if not raw.strip() or raw[:1].isspace() or raw.lstrip()[:1] in ("#", ";"):
            continue  # indented lines are nested settings (e.g. "s3 =" blocks)
        if not in_section or not _DELIMITER.search(raw):
            unparsed.append(number)
            continue
        setting = _SETTING.match(raw.strip())
        if current is None or not setting:
            continue  # a section that is not a profile, or a setting no profile reads
        name = setting.group(1).lower()
        if name in _SECRET_SETTINGS:
            present = bool(setting.group(2).strip())
            if name == "aws_secret_access_key":
                current.secret_present = current.secret_present or present
            else:
                current.session_token_present = current.session_token_present or present
            continue
        value = _strip_comment(setting.group(2))
        current.settings[name] = value
        if name == "aws_access_key_id":
            current.key_id_line = number
    if current is not None:
        profiles.append(_profile(current, path))
    return ParsedCliFile(profiles=profiles, unparsed_lines=unparsed)


def _open_section(name: str, line: int, *, is_config: bool) -> _Section | None:
    if not is_config:
        return _Section(profile=name, line=line)
    if name == "default":
        return _Section(profile="default", line=line)
    kind, _, rest = name.partition(" ")
    if kind == "profile" and rest.strip():
        return _Section(profile=rest.strip(), line=line)
    return None  # [sso-session x], [services x], anything else: not a profile


def _strip_comment(value: str) -> str:
    """Inline comments need whitespace before ``#``/``;`` in the CLI's format."""
    return re.split(r"\s[#;]", value, maxsplit=1)[0].strip()


def _profile(section: _Section, path: str) -> CliProfile:
    settings = section.settings
    key_id = settings.get("aws_access_key_id") or None
    if key_id is not None and not _KEY_ID.match(key_id):
        key_id = None  # not a key id (a placeholder, an interpolation): never echo arbitrary text as one
    return CliProfile(
        file=path,
        line=section.line,
        profile=section.profile,
        kind=_kind(settings, section.secret_present),
        key_id=key_id,
        key_id_line=section.key_id_line if key_id else None,
        secret_present=section.secret_present,
        session_token_present=section.session_token_present,
        sso_session=settings.get("sso_session") or None,
    )


def _kind(settings: dict[str, str], secret_present: bool) -> CliProfileKind:
    if settings.get("aws_access_key_id") or secret_present:
        return "static_key"
    if settings.get("sso_start_url") and not settings.get("sso_session"):
        return "legacy_sso"
    if settings.get("sso_session"):
        return "sso_session"
    if settings.get("role_arn"):
        return "web_identity" if settings.get("web_identity_token_file") else "assume_role"
    if settings.get("credential_process"):
        return "credential_process"
    return "other"

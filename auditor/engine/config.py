"""``auditor.toml``: thresholds, production patterns, rule switches and suppressions.

Read with ``tomllib`` and validated by pydantic with unknown keys forbidden: a typo in a reviewed
suppression file must stop the run (exit 2, naming the file and the key), not silently suppress nothing.

Example::

    [thresholds]
    unused_days = 45
    max_key_age_days = 90
    root_usage_days = 90
    privileged_session_max = "PT8H"
    role_session_max = "PT4H"

    production_patterns = ["name:*prod*", "ou:*/Prod*", "tag:Environment=prod*"]

    [rules]
    disabled = ["IDC-004"]
    severity = { "USER-004" = "medium" }

    [[suppressions]]
    rule = "KEY-001"
    resource = "arn:aws:iam::*:user/ci/legacy-deployer"
    reason = "Migrating to OIDC in Q1 (TICKET-123)"
    owner = "platform-team"
    expires = 2027-03-31

    [readiness]                        # auditor readiness / the readiness section of findings.json
    break_glass = ["*break*glass*"]    # IAM user names or ARNs (globs) kept for emergencies
    email_tag = "email"                # the IAM user tag that holds the person's e-mail
    classes = { "arn:aws:iam::111122223333:user/ops-bot" = "workload" }

    [[readiness.exceptions]]
    user = "arn:aws:iam::*:user/ses-smtp"
    reason = "SES SMTP credentials: an IAM user is the only way"
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from auditor.engine.patterns import AccountPattern, check_tag_pattern, glob_match, tag_match
from auditor.errors import InputError, describe_validation_error
from auditor.findings import Severity
from auditor.model import Model
from auditor.util.git import file_at
from auditor.util.inputfile import CONFIG_LIMIT, parse_problem, read_input
from auditor.util.isoduration import parse_duration

DEFAULT_CONFIG_NAME = "auditor.toml"
MAX_DAYS = 3650
MIN_SESSION_SECONDS = 900  # STS's shortest session
MAX_SESSION_SECONDS = 43200  # the longest role or permission-set session AWS allows


class Thresholds(Model):
    """Read by rules through their context, so frozen: no rule can change another's threshold."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Strict: TOML has real integers, so ``unused_days = true`` or ``"45"`` is a mistake, not 1 or 45. Bounded:
    # 1..3650 days (ten years) covers every sensible policy and keeps date arithmetic far from overflow.
    unused_days: int = Field(
        45, ge=1, le=MAX_DAYS, strict=True, description="Days without use after which a password or key is unused."
    )
    max_key_age_days: int = Field(
        90, ge=1, le=MAX_DAYS, strict=True, description="Age after which an active access key needs rotation."
    )
    root_usage_days: int = Field(
        90, ge=1, le=MAX_DAYS, strict=True, description="Root use within this many days is reported."
    )
    privileged_session_max: str = Field(
        "PT8H", strict=True, description="Longest acceptable privileged permission-set session (PT15M..PT12H)."
    )
    role_session_max: str = Field(
        "PT4H", strict=True, description="Longest acceptable IAM role MaxSessionDuration (PT15M..PT12H)."
    )

    @field_validator("privileged_session_max", "role_session_max")
    @classmethod
    def _iso_duration(cls, value: str) -> str:
        seconds = parse_duration(value)  # raises ValueError with the offending value
        if not MIN_SESSION_SECONDS <= seconds <= MAX_SESSION_SECONDS:
            raise ValueError(f"{value!r} is outside PT15M..PT12H, the session lengths AWS allows")
        return value

    @property
    def privileged_session_max_seconds(self) -> int:
        return parse_duration(self.privileged_session_max)

    @property
    def role_session_max_seconds(self) -> int:
        return parse_duration(self.role_session_max)


class RuleSwitches(Model):
    disabled: list[str] = Field(default_factory=list)
    severity: dict[str, Severity] = Field(default_factory=dict)


KEY_IN_SOURCE_RULE = "SECRET-001"  # a key in a source tree: accepted file by file, never by a pattern
_GLOB_CHARACTERS = re.compile(r"[*?\[]")


class Suppression(Model):
    """Accept a finding on purpose. Every criterion given must match; ``reason`` is mandatory for review.

    A key in source (SECRET-001) is accepted one file at a time: its suppression names the file, with no glob
    character, and ``rule = "*"`` does not cover it. Otherwise a change could add a key together with a
    suppression wide enough to hide it (``resource = "*"``), or hide every key added later to a matching file.
    """

    rule: str = Field(description=f"Rule id, or '*' for every rule but {KEY_IN_SOURCE_RULE}.")
    account: str | None = Field(None, description="Glob on the account id or name.")
    resource: str | None = Field(None, description="Glob on the resource id (ARN).")
    tag: str | None = Field(None, description="'Key=ValueGlob' on the resource's or the account's tags.")
    reason: str = Field(min_length=1)
    owner: str | None = None
    expires: date | None = None

    @field_validator("tag")
    @classmethod
    def _tag_form(cls, value: str | None) -> str | None:
        return check_tag_pattern(value) if value is not None else None

    @model_validator(mode="after")
    def _a_key_is_accepted_by_file(self) -> Suppression:
        if self.rule == KEY_IN_SOURCE_RULE and (self.resource is None or _GLOB_CHARACTERS.search(self.resource)):
            raise ValueError(
                f"a {KEY_IN_SOURCE_RULE} suppression names one file, without wildcards (resource = "
                f'"path/to/file"): {self.resource or "no resource"!r} would hide any key in every file it matches'
            )
        return self

    def matches(
        self,
        rule_id: str,
        account_id: str | None,
        account_name: str | None,
        resource_id: str,
        tags: Mapping[str, str],
    ) -> bool:
        """Globs and tags as ``auditor.engine.patterns`` matches them (ignoring case), like the production patterns."""
        if self.rule != rule_id and (self.rule != "*" or rule_id == KEY_IN_SOURCE_RULE):
            return False
        if self.account is not None and not (
            glob_match(self.account, account_id) or glob_match(self.account, account_name)
        ):
            return False
        if self.resource is not None and not glob_match(self.resource, resource_id):
            return False
        return self.tag is None or tag_match(self.tag, tags)


UserClassName = Literal["human", "workload", "break-glass", "stale"]


class ReadinessException(Model):
    """An IAM user that stays on purpose (an SMTP credential, a third-party client that needs a key)."""

    user: str = Field(description="Glob on the IAM user's ARN or name.")
    reason: str = Field(min_length=1)


class ReadinessConfig(Model):
    """``[readiness]``: what the migration readiness stage cannot tell from the inventory alone."""

    break_glass: list[str] = Field(
        default_factory=lambda: ["*break*glass*"],
        description="Globs on IAM user names or ARNs: emergency users kept on purpose.",
    )
    email_tag: str = Field("email", min_length=1, description="IAM user tag key holding the person's e-mail.")
    classes: dict[str, UserClassName] = Field(
        default_factory=dict, description="IAM user ARN or name glob -> class, overriding the evidence."
    )
    exceptions: list[ReadinessException] = Field(default_factory=list)
    confirmed: list[str] = Field(
        default_factory=list,
        description="'IAM user=identity-store user': who an IAM user (name or ARN glob) is in Identity Center, "
        "confirmed by a person. Settles a match by bare user name, an ambiguity or a suggestion.",
    )
    emergency_access: dict[str, str] = Field(
        default_factory=dict,
        description="Account id (or '*') -> the documented emergency way in that is not a break-glass IAM user.",
    )

    @field_validator("confirmed")
    @classmethod
    def _pairs(cls, pairs: list[str]) -> list[str]:
        for pair in pairs:
            iam_user, sep, person = pair.partition("=")
            if not sep or not iam_user.strip() or not person.strip():
                raise ValueError(f"{pair!r}: write 'IAM user=identity-store user', e.g. 'admin=alice@corp.example'")
        return pairs

    @property
    def confirmed_pairs(self) -> list[tuple[str, str]]:
        """``(IAM user glob, identity-store user name)``, in the order written."""
        return [(a.strip(), b.strip()) for a, _, b in (pair.partition("=") for pair in self.confirmed)]

    @field_validator("break_glass")
    @classmethod
    def _non_empty_patterns(cls, patterns: list[str]) -> list[str]:
        if any(not pattern.strip() for pattern in patterns):
            raise ValueError("an empty pattern would match no user")
        return patterns


class Config(Model):
    thresholds: Thresholds = Field(default_factory=Thresholds)
    production_patterns: list[str] = Field(
        default_factory=lambda: ["name:*prod*", "ou:*prod*", "tag:Environment=prod*", "tag:env=prod*"],
        description="'name:GLOB', 'ou:GLOB' (OU path), 'tag:Key=ValueGlob'; a bare GLOB matches the name.",
    )
    rules: RuleSwitches = Field(default_factory=RuleSwitches)
    suppressions: list[Suppression] = Field(default_factory=list)
    readiness: ReadinessConfig = Field(default_factory=ReadinessConfig)

    _source: Path | None = PrivateAttr(default=None)
    _origin: str | None = PrivateAttr(default=None)

    @field_validator("production_patterns")
    @classmethod
    def _account_patterns(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            AccountPattern.parse(pattern)  # a typo ("nmae:prod*") must stop the run, not match nothing
        return patterns

    @property
    def source(self) -> Path | None:
        """The file this config came from (None for the built-in defaults, or a config read from a git ref)."""
        return self._source

    @property
    def origin(self) -> str | None:
        """Where this config came from, for messages: a file's path, or ``REF:auditor.toml`` (None: the defaults)."""
        return self._origin

    @property
    def production_account_patterns(self) -> tuple[AccountPattern, ...]:
        return tuple(AccountPattern.parse(pattern) for pattern in self.production_patterns)

    def check_rule_ids(self, known: set[str]) -> None:
        """Unknown rule ids in a config are a mistake (a typo would disable nothing): exit 2, naming them."""
        from auditor.util.suggest import did_you_mean

        where = self._origin or "config"
        for rule_id in self.rules.disabled:
            if rule_id not in known:
                raise InputError(f"{where}: rules.disabled: unknown rule id {rule_id!r}{did_you_mean(rule_id, known)}")
        for rule_id in self.rules.severity:
            if rule_id not in known:
                raise InputError(f"{where}: rules.severity: unknown rule id {rule_id!r}{did_you_mean(rule_id, known)}")
        for index, suppression in enumerate(self.suppressions):
            if suppression.rule != "*" and suppression.rule not in known:
                raise InputError(
                    f"{where}: suppressions[{index}].rule: unknown rule id {suppression.rule!r}"
                    + did_you_mean(suppression.rule, known)
                )


def load_config(path: Path | None = None, cwd: Path | None = None) -> Config:
    """``--config PATH`` if given, else ``./auditor.toml`` if present, else the defaults."""
    if path is None:
        candidate = (cwd or Path.cwd()) / DEFAULT_CONFIG_NAME
        if not candidate.is_file():
            return Config()
        path = candidate
    return parse_config(read_input(path, "config", CONFIG_LIMIT), str(path), path)


def load_config_from_ref(ref: str, cwd: Path | None = None) -> Config:
    """``--config-from-ref REF``: ``./auditor.toml`` as the commit ``ref`` has it (``git show REF:./auditor.toml``),
    so a pull request's own edit of the file cannot judge that pull request. The defaults when ``ref`` has no
    such file (``Config.origin`` is then ``None``: the caller says so); an unknown ``ref`` is one error line."""
    data = file_at(cwd or Path.cwd(), ref, DEFAULT_CONFIG_NAME, option="--config-from-ref")
    return Config() if data is None else parse_config(data, f"{ref}:{DEFAULT_CONFIG_NAME}")


def parse_config(data: bytes, where: str, path: Path | None = None) -> Config:
    """The configuration in ``data``; ``where`` (a path, or ``REF:auditor.toml``) starts every error line;
    ``path``: the file it was read from."""
    try:
        text = data.decode("utf-8")
        raw: dict[str, Any] = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise InputError(f"{where}: cannot read config: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{where}: {_toml_error_key(text, exc)}not valid TOML: {exc}") from None
    except (RecursionError, ValueError) as exc:  # Python's own limits, worded without the file: say which
        problem = parse_problem(exc)
        if problem is None:
            raise
        raise InputError(f"{where}: not a usable config: {problem}") from None
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise InputError(f"{where}: {describe_validation_error(exc)}") from None
    config._source = path
    config._origin = where
    return config


_TOML_KEY = re.compile(r"\s*([\w.-]+)\s*=")
_TOML_TABLE = re.compile(r"\s*\[+\s*([\w.-]+)\s*\]+")


def _toml_error_key(text: str, exc: tomllib.TOMLDecodeError) -> str:
    """``suppressions.expires: `` for a bad value: tomllib names only the line (e.g. ``expires = 2027-13-01``)."""
    match = re.search(r"at line (\d+)", str(exc))
    lines = text.splitlines()
    if not match or not 1 <= int(match.group(1)) <= len(lines):
        return ""
    number = int(match.group(1))
    key = _TOML_KEY.match(lines[number - 1])
    if not key:
        return ""
    tables = (_TOML_TABLE.match(line) for line in reversed(lines[: number - 1]))
    table = next((t.group(1) for t in tables if t), None)
    return f"{table}.{key.group(1)}: " if table else f"{key.group(1)}: "

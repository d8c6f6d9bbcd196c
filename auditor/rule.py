"""The rule API: metadata next to a pure function of the inventory.

A rule module looks like this::

    from auditor.rule import Hit, RuleContext, rule

    @rule(
        id="KEY-004",
        title="Two active access keys",
        severity="low",
        area="access-keys",
        rationale="...why it matters...",
        remediation="...what to do, concretely...",
        references=["CIS AWS Foundations v3.0.0 1.13", "CIS AWS Foundations v5.0.0 1.12"],
    )
    def two_active_keys(inventory: Inventory, context: RuleContext) -> Iterator[Hit]:
        for account in inventory.accounts:
            ...
            yield Hit(account_id=..., resource_type="AWS::IAM::User", resource_id=user.arn, message=..., evidence={...})

The decorator returns a :class:`Rule` (it does not register anything globally): packs are lists of rules
discovered by scanning modules, so importing a rule never has a side effect and a broken pack cannot
corrupt another's registry. A rule must be pure: no network, no clock (ages are measured at
``context.as_of``), and it must yield hits in a deterministic order.

A rule sees the inventory and a :class:`RuleContext`, nothing else: not the configuration's suppressions,
switches or severity overrides, which are the engine's business. ``sources`` names the sources whose facts the
rule reads (``auditor.source``); when one of them did not run, the rule is reported as not evaluated.
"""

from __future__ import annotations

import functools
import re
import shlex
import textwrap
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from auditor.engine.patterns import AccountPattern, first_match
from auditor.findings import FileLocation, Remediation, Severity
from auditor.source import AWS_SOURCE

if TYPE_CHECKING:
    from auditor.engine.config import Config, Thresholds
    from auditor.inventory import Inventory
    from auditor.inventory.facts import AccountFacts

RULE_ID = re.compile(r"^[A-Z][A-Z0-9]*-\d{3}$")


@dataclass(frozen=True)
class Hit:
    """What a rule yields: the facts of one finding. The engine adds metadata, fingerprint and suppression."""

    account_id: str | None
    resource_type: str  # CloudFormation-style type, e.g. "AWS::IAM::User", "AWS::SSO::PermissionSet"
    resource_id: str  # ARN where one exists
    message: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    discriminator: str = ""  # e.g. the access key id, when one resource can have several findings of a rule
    region: str | None = None
    location: FileLocation | None = None
    tags: Mapping[str, str] = field(default_factory=dict)  # the resource's own tags, for tag suppressions
    # This finding's severity when it differs from the rule's (a key with its secret next to it is worse than a
    # lone key id). ``[rules] severity`` in auditor.toml still overrides it.
    severity: Severity | None = None


@dataclass(frozen=True)
class RuleContext:
    """What a rule may know besides the inventory. Read-only; built once per evaluation."""

    as_of: datetime  # the collection time: "unused for 45 days" is measured here, never at "now"
    thresholds: Thresholds  # frozen (auditor.toml's [thresholds])
    production_patterns: tuple[AccountPattern, ...] = ()

    @classmethod
    def for_inventory(cls, inventory: Inventory, config: Config) -> RuleContext:
        return cls(
            as_of=inventory.as_of,
            thresholds=config.thresholds,
            production_patterns=config.production_account_patterns,
        )

    def production_pattern(self, account: AccountFacts | None) -> str | None:
        """The first production pattern the account matches, as written in the config; ``None`` if none does."""
        pattern = first_match(self.production_patterns, account)
        return pattern.text if pattern is not None else None


CheckFunction = Callable[["Inventory", RuleContext], Iterable[Hit]]

Facts = Mapping[str, Any]
_FIELD = re.compile(r"\{([a-z][a-z0-9_]*)\}")  # {user_name}; HCL's own braces never match (no name inside)


@dataclass(frozen=True)
class FixTemplate:
    """A rule's remediation with ``{fact}`` fields, filled per finding into a :class:`Remediation`.

    Facts are the finding's evidence plus ``account_id``, ``account_name``, ``resource_id`` and ``region``, and
    whatever ``derive`` computes from them (e.g. the instance ARN inside a permission set ARN). A field whose
    fact is missing stays as ``<field>``, a placeholder the reader fills in. A field whose fact is a list
    repeats its line once per item (one ``detach-user-policy`` per attached policy), and drops it when the
    list is empty (no inline policy: no ``delete-user-policy``). CLI values are shell-quoted
    when they need it; Terraform values are escaped for an HCL string.
    """

    console: tuple[str, ...] = ()
    cli: tuple[str, ...] = ()
    terraform: str = ""
    derive: Callable[[Facts], Facts] | None = None

    @functools.cached_property
    def _compiled(self) -> tuple[tuple[_Line, ...], tuple[_Line, ...], tuple[_Line, ...]]:
        """Console, CLI and Terraform lines split once into literal text and fields: filling is then joins."""
        terraform = _compile(self.terraform.strip("\n").split("\n")) if self.terraform else ()
        return _compile(self.console), _compile(self.cli), terraform

    def fill(self, facts: Facts) -> Remediation:
        known = {key: value for key, value in facts.items() if value is not None and value != ""}
        if self.derive is not None:
            known.update({k: v for k, v in self.derive(known).items() if v is not None and v != ""})
        console_template, cli_template, terraform_template = self._compiled
        console = _fill_lines(console_template, known, _one_line)
        cli = _fill_lines(cli_template, known, _shell)
        terraform_lines = _fill_lines(terraform_template, known, _hcl)
        remediation = Remediation(
            console=[line for _, line in console],
            cli=[line for _, line in cli],
            terraform=textwrap.dedent("\n".join(line for _, line in terraform_lines)) or None,
        )
        # Which template line each line came from, with its values: lets a report send the values alone.
        one_to_one = len(terraform_lines) == len(terraform_template)
        remediation.record_template_values(
            (
                tuple(entry for entry, _ in console),
                tuple(entry for entry, _ in cli),
                ((0, *(value for entry, _ in terraform_lines for value in entry[1:])),)
                if terraform_lines and one_to_one
                else (),
            )
            if (one_to_one or not terraform_lines)
            else None
        )
        return remediation

    def placeholders(self) -> Remediation:
        """The template with every field as ``<field>``: the rule-level view (SARIF rule help, the catalog).
        Nothing is derived, so each template line gives exactly one line (its index is its line number)."""
        return FixTemplate(console=self.console, cli=self.cli, terraform=self.terraform).fill({})


def _one_line(value: Any) -> str:
    """No line breaks: a value cannot start a line of its own (or end a fence). A value that is one line
    already is returned as it is, the same object: 40,000 fixes then hold no copies of the names they show."""
    text = value if type(value) is str else str(value)
    # Every whitespace character but the ASCII space is unprintable, so a printable text splits only at spaces.
    if text.isprintable() and "  " not in text and text == text.strip(" "):
        return text
    return " ".join(text.split())


def _shell(value: Any) -> str:
    return shlex.quote(_one_line(value))


def _hcl(value: Any) -> str:
    return _one_line(value).replace("\\", "\\\\").replace('"', '\\"').replace("${", "$${").replace("%{", "%%{")


@dataclass(frozen=True)
class _Line:
    """One template line split once: ``literals`` around its ``fields`` (one more literal than fields)."""

    index: int
    literals: tuple[str, ...]
    tails: tuple[str, ...]  # ``literals[1:]``: the text after each field
    fields: tuple[str, ...]  # every occurrence, in order
    names: tuple[str, ...]  # distinct, in order of first use
    placeholders: tuple[str, ...]  # "<field>" per occurrence, for a fact that is missing
    bare: tuple[int]  # ``(index,)``: the template values of a line without fields, shared by every finding's fix


def _compile(lines: Iterable[str]) -> tuple[_Line, ...]:
    compiled = []
    for index, line in enumerate(lines):
        parts = _FIELD.split(line)  # literal, field, literal, ..., literal
        fields = tuple(parts[1::2])
        compiled.append(
            _Line(
                index=index,
                literals=tuple(parts[0::2]),
                tails=tuple(parts[2::2]),
                fields=fields,
                names=tuple(dict.fromkeys(fields)),
                placeholders=tuple(f"<{name}>" for name in fields),
                bare=(index,),
            )
        )
    return tuple(compiled)


def _fill_lines(
    lines: tuple[_Line, ...], facts: Facts, quote: Callable[[Any], str]
) -> list[tuple[tuple[Any, ...], str]]:
    """``((template line index, the values put in its fields in order...), the filled line)`` per output line.

    A missing fact, or one that is a list where a single value belongs, leaves the field's placeholder. A
    single-valued fact is quoted once per section, however many lines use it.
    """
    filled: list[tuple[tuple[Any, ...], str]] = []
    quoted: dict[str, str] = {}  # field name -> its text, for facts that are not lists
    for line in lines:
        if not line.fields:
            filled.append((line.bare, line.literals[0]))
            continue
        lists = {name: facts[name] for name in line.names if isinstance(facts.get(name), list | tuple)}
        count = max(len(values) for values in lists.values()) if lists else 1
        for i in range(count):  # one line per item; several list fields on one line advance together
            texts: list[str] = []
            parts = [line.literals[0]]
            for name, placeholder, literal in zip(line.fields, line.placeholders, line.tails, strict=True):
                if name in lists:
                    items = lists[name]
                    value = items[i] if i < len(items) else None
                    text = placeholder if value is None or isinstance(value, list | tuple | dict) else quote(value)
                else:
                    found = quoted.get(name)
                    if found is None:
                        value = facts.get(name)
                        found = placeholder if value is None or isinstance(value, list | tuple | dict) else quote(value)
                        quoted[name] = found
                    text = found
                texts.append(text)
                parts.append(text)
                parts.append(literal)
            filled.append(((line.index, *texts), "".join(parts)))
    return filled


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: Severity
    area: str
    rationale: str
    remediation: str
    references: tuple[str, ...]
    check: CheckFunction
    # The sources whose facts the check reads: it is evaluated only when all of them ran.
    sources: tuple[str, ...] = (AWS_SOURCE,)
    # The auditor.toml keys the check reads ("thresholds.unused_days"): the catalog documents them.
    config_keys: tuple[str, ...] = ()
    fix: FixTemplate | None = None  # the remediation as console steps, CLI and Terraform, filled per finding

    def __post_init__(self) -> None:
        if not RULE_ID.match(self.id):
            raise ValueError(f"rule id {self.id!r} is not of the form AREA-NNN")
        if not self.sources:
            raise ValueError(f"rule {self.id} names no source to read its facts from")


def rule(
    *,
    id: str,
    title: str,
    severity: str | Severity,
    area: str,
    rationale: str,
    remediation: str,
    references: Iterable[str] = (),
    sources: Iterable[str] = (AWS_SOURCE,),
    config_keys: Iterable[str] = (),
    fix: FixTemplate | None = None,
) -> Callable[[CheckFunction], Rule]:
    """Turn a check function into a :class:`Rule`. Text is dedented so docstring-style blocks read well."""

    def wrap(check: CheckFunction) -> Rule:
        return Rule(
            id=id,
            title=title,
            severity=Severity(severity),
            area=area,
            rationale=_clean(rationale),
            remediation=_clean(remediation),
            references=tuple(references),
            check=check,
            sources=tuple(sources),
            config_keys=tuple(config_keys),
            fix=fix,
        )

    return wrap


def _clean(text: str) -> str:
    return textwrap.dedent(text).strip()


def rules_in(namespace: Mapping[str, Any]) -> list[Rule]:
    """The rules defined in a module namespace (``vars(module)``), in definition order."""
    return [value for value in namespace.values() if isinstance(value, Rule)]

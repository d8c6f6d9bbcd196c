"""The fill engine: console steps, CLI lines and Terraform with ``{fact}`` fields, filled per finding.

A rule's fix, and every step of the migration plan, is a :class:`FixTemplate` filled with one subject's facts.
Filling is the only place values meet text, so quoting is done once and right: CLI values are shell-quoted when
they need it, Terraform values escaped for an HCL string, and no value can break a line (a name with a newline
cannot start a command of its own).

Templates compose (:func:`compose`): ``auditor.remediation.actions`` defines each AWS action once, and a fix is
a sequence of actions in the order AWS accepts them.
"""

from __future__ import annotations

import functools
import re
import shlex
import textwrap
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from auditor.findings import Remediation

Facts = Mapping[str, Any]
_FIELD = re.compile(r"\{([a-z][a-z0-9_]*)\}")  # {user_name}; HCL's own braces never match (no name inside)


@dataclass(frozen=True)
class Line:
    """A template line written only when the fact ``when`` is true in the facts it is filled with (a line is
    kept where the fact is unknown only if ``unless_false``: e.g. delete the login profile unless the user is
    known to have none). Plain strings are lines that are always written."""

    text: str
    when: str
    unless_false: bool = False

    def applies(self, facts: Facts) -> bool:
        value = facts.get(self.when)
        return value is not False if self.unless_false else bool(value)


TemplateLine = str | Line


@dataclass(frozen=True)
class FixTemplate:
    """A remediation with ``{fact}`` fields, filled per finding into a :class:`Remediation`.

    Facts are the finding's evidence plus ``account_id``, ``account_name``, ``resource_id`` and ``region`` (and a
    rule's own ``Hit.fix_facts``), and whatever ``derive`` computes from them (e.g. the instance ARN inside a
    permission set ARN). A field whose fact is missing stays as ``<field>``, a placeholder the reader fills in.
    A field whose fact is a list repeats its line once per item (one ``detach-user-policy`` per attached
    policy), and drops it when the list is empty (no inline policy: no ``delete-user-policy``). A :class:`Line`
    is written only when its condition holds.
    """

    console: tuple[TemplateLine, ...] = ()
    cli: tuple[TemplateLine, ...] = ()
    terraform: str = ""
    derive: Callable[[Facts], Facts] | None = None

    @functools.cached_property
    def _compiled(self) -> tuple[tuple[_Line, ...], tuple[_Line, ...], tuple[_Line, ...]]:
        """Console, CLI and Terraform lines split once into literal text and fields: filling is then joins."""
        terraform = _compile(self.terraform.strip("\n").split("\n")) if self.terraform else ()
        return _compile(self.console), _compile(self.cli), terraform

    def fill(self, facts: Facts, lines: dict[str, str] | None = None) -> Remediation:
        """The remediation for these facts. ``lines``, when given, holds the lines filled so far (one evaluation's):
        a line filled the same way again is that same string, not a copy. Five findings about one user carry the
        same "delete the user" lines; at 20,000 users the copies were 40 MB."""
        known = {key: value for key, value in facts.items() if value is not None and value != ""}
        if self.derive is not None:
            known.update({k: v for k, v in self.derive(known).items() if v is not None and v != ""})
        console_template, cli_template, terraform_template = self._compiled
        console = _fill_lines(console_template, known, one_line, lines)
        cli = _fill_lines(cli_template, known, _shell, lines)
        terraform_lines = _fill_lines(terraform_template, known, _hcl, lines)
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
        """The template with every field as ``<field>`` and every line written: the rule-level view (SARIF rule
        help, the catalog). Nothing is derived, so each template line gives exactly one line (its index is its
        line number)."""
        return FixTemplate(
            console=tuple(_text(line) for line in self.console),
            cli=tuple(_text(line) for line in self.cli),
            terraform=self.terraform,
        ).fill({})


def compose(
    *parts: FixTemplate,
    console: Iterable[TemplateLine] | None = None,
    derive: Callable[[Facts], Facts] | None = None,
) -> FixTemplate:
    """``parts`` in order, as one template: their CLI lines and Terraform one after the other, and their console
    steps too unless ``console`` gives the fix's own narrative. ``derive`` runs for the whole (the parts' own
    derivations are dropped: a fix derives the facts all its parts use)."""
    return FixTemplate(
        console=tuple(console) if console is not None else tuple(line for part in parts for line in part.console),
        cli=tuple(line for part in parts for line in part.cli),
        terraform="\n".join(part.terraform.strip("\n") for part in parts if part.terraform),
        derive=derive,
    )


def only_when(template: FixTemplate, fact: str) -> FixTemplate:
    """``template`` with every console step and CLI line written only when ``fact`` is true."""
    return FixTemplate(
        console=tuple(Line(_text(line), when=fact) for line in template.console),
        cli=tuple(Line(_text(line), when=fact) for line in template.cli),
        terraform=template.terraform,
        derive=template.derive,
    )


def _text(line: TemplateLine) -> str:
    return line if isinstance(line, str) else line.text


def one_line(value: Any) -> str:
    """No line breaks: a value cannot start a line of its own (or end a fence). A value that is one line
    already is returned as it is, the same object: 40,000 fixes then hold no copies of the names they show."""
    text = value if type(value) is str else str(value)
    # Every whitespace character but the ASCII space is unprintable, so a printable text splits only at spaces.
    if text.isprintable() and "  " not in text and text == text.strip(" "):
        return text
    return " ".join(text.split())


def _shell(value: Any) -> str:
    return shlex.quote(one_line(value))


def _hcl(value: Any) -> str:
    return one_line(value).replace("\\", "\\\\").replace('"', '\\"').replace("${", "$${").replace("%{", "%%{")


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
    condition: Line | None  # written only when this holds


def _compile(lines: Iterable[TemplateLine]) -> tuple[_Line, ...]:
    compiled = []
    for index, line in enumerate(lines):
        parts = _FIELD.split(_text(line))  # literal, field, literal, ..., literal
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
                condition=line if isinstance(line, Line) else None,
            )
        )
    return tuple(compiled)


def _fill_lines(
    lines: tuple[_Line, ...], facts: Facts, quote: Callable[[Any], str], shared: dict[str, str] | None = None
) -> list[tuple[tuple[Any, ...], str]]:
    """``((template line index, the values put in its fields in order...), the filled line)`` per output line.

    A missing fact, or one that is a list where a single value belongs, leaves the field's placeholder. A
    single-valued fact is quoted once per section, however many lines use it.
    """
    filled: list[tuple[tuple[Any, ...], str]] = []
    quoted: dict[str, str] = {}  # field name -> its text, for facts that are not lists
    list_names = {name for name, value in facts.items() if isinstance(value, list | tuple)}
    for line in lines:
        if line.condition is not None and not line.condition.applies(facts):
            continue
        if not line.fields:
            filled.append((line.bare, line.literals[0]))
            continue
        # most lines name no list fact: each field one value, the line written once
        lists = {} if list_names.isdisjoint(line.names) else {n: facts[n] for n in line.names if n in list_names}
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
            text = "".join(parts)
            filled.append(((line.index, *texts), text if shared is None else shared.setdefault(text, text)))
    return filled

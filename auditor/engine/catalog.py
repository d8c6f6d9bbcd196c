"""The rule catalog, generated from the rules' own metadata so code and documentation cannot drift.

``catalog_rows`` feeds ``auditor rules`` (a tabulate table), ``render_rule_text`` ``auditor rules show ID``;
``render_markdown`` writes ``docs/rules.md`` in one fixed form per rule, as ruff documents its rules: what it
checks, why it matters, how to fix, references, plus the default severity and the configuration it reads.
Regenerate the file with::

    python -m auditor.rules > docs/rules.md

"What it checks" is the check function's docstring; the configuration a rule reads is its ``config_keys``
(``@rule(..., config_keys=["thresholds.max_key_age_days"])``).
"""

from __future__ import annotations

import inspect
import re
import textwrap
from typing import TYPE_CHECKING, Any

from auditor.engine.config import Config

if TYPE_CHECKING:
    from auditor.findings import ManualCheck
    from auditor.registry import RuleSet
    from auditor.rule import Rule

REGENERATE_COMMAND = "python -m auditor.rules > docs/rules.md"


def config_default(key: str) -> Any:
    """The built-in default of a dotted config key, e.g. ``thresholds.unused_days`` -> 45."""
    value: Any = Config()
    for part in key.split("."):
        value = getattr(value, part)
    return value


def what_it_checks(rule: Rule) -> str:
    doc = inspect.getdoc(rule.check)
    return doc.strip() if doc else rule.title


CATALOG_HEADERS = ("id", "severity", "area", "source", "title")


def catalog_rows(ruleset: RuleSet) -> list[tuple[str, str, str, str, str]]:
    """One ``(id, severity, area, source, title)`` row per rule, in id order. ``source``: the sources whose
    facts the rule reads; without them it is reported as not evaluated."""
    return [
        (r.id, r.severity.value, r.area, ", ".join(r.sources), r.title)
        for r in sorted(ruleset.rules, key=lambda r: r.id)
    ]


def render_rule_text(rule: Rule) -> str:
    """One rule for a terminal (``auditor rules show ID``): the same sections as the markdown catalog."""
    keys = rule.config_keys
    sections = [
        ("What it checks", what_it_checks(rule)),
        ("Why it matters", rule.rationale),
        ("How to fix", rule.remediation),
        *(
            [("Each finding's fix (its own names in place of the <fields>)", rule.fix.placeholders().text())]
            if rule.fix is not None
            else []
        ),
        (
            "Configuration",
            "\n".join(f"{key} (default {config_default(key)})" for key in keys) if keys else "None.",
        ),
        ("References", "\n".join(f"- {ref}" for ref in rule.references) or "None."),
    ]
    header = [
        f"{rule.id}: {rule.title}",
        f"Severity: {rule.severity.value}    Area: {rule.area}    Source: {', '.join(rule.sources)}",
    ]
    body = [f"{title}:\n{textwrap.indent(text, '  ')}" for title, text in sections]
    return "\n\n".join(["\n".join(header), *body]) + "\n"


# -------------------------------------------------------------------------------------------- markdown


_BLOCK_MARKER = re.compile(r"^(\s*)(?:([>#+*-])|(\d+)([.)]))(?=\s|$)")


def _escape(line: str) -> str:
    """Prose stays prose in markdown: ``<placeholders>`` stay visible (``<`` escaped outside inline code)
    and a wrapped line that happens to start with ``>``, ``-`` or ``1.`` does not become a quote or a list."""
    parts = line.split("`")
    for index in range(0, len(parts), 2):
        parts[index] = parts[index].replace("<", "\\<")
    line = "`".join(parts)
    return _BLOCK_MARKER.sub(
        lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(2) else f"{m.group(1)}{m.group(3)}\\{m.group(4)}", line
    )


def _markdown_text(text: str) -> str:
    """Plain rule text to markdown.

    Consecutive ``$ command`` lines become one ``sh`` code block and lines indented by four spaces (file
    snippets) one plain code block; other lines are prose, with ``<placeholders>`` escaped.
    """
    out: list[str] = []
    block: list[str] = []
    block_kind = ""

    def flush() -> None:
        nonlocal block_kind
        if block:
            if out and out[-1] != "":
                out.append("")
            out.extend([f"```{block_kind}", *block, "```", ""])
            block.clear()
        block_kind = ""

    for line in text.splitlines():
        stripped = line.strip()
        kind = "sh" if stripped.startswith("$ ") else "text" if line.startswith("    ") and stripped else ""
        if kind:
            if kind != block_kind:
                flush()
                block_kind = kind
            block.append(stripped[2:] if kind == "sh" else line[4:].rstrip())
            continue
        flush()
        if out and out[-1] == "" and stripped == "":
            continue
        out.append(_escape(line.rstrip()))
    flush()
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out)


def _config_line(key: str) -> str:
    default = config_default(key)
    if isinstance(default, list):
        shown = ", ".join(f"`{item}`" for item in default)
    else:
        shown = f"`{default}`"
    return f"- `{key}` (default {shown})"


def _rule_section(rule: Rule) -> list[str]:
    lines = [
        f"## {rule.id}: {rule.title}",
        "",
        f"Default severity: **{rule.severity.value}** · Area: `{rule.area}` · Source: "
        + ", ".join(f"`{source}`" for source in rule.sources),
        "",
        "### What it checks",
        "",
        _markdown_text(what_it_checks(rule)),
        "",
        "### Why it matters",
        "",
        _markdown_text(rule.rationale),
        "",
        "### How to fix",
        "",
        _markdown_text(rule.remediation),
        "",
    ]
    if rule.fix is not None:
        template = rule.fix.placeholders()
        escaped = template.model_copy(
            update={"console": [step.replace("<", "&lt;").replace(">", "&gt;") for step in template.console]}
        )
        lines += ["### Each finding's fix", "", "Filled with the finding's own names in place of the `<fields>`.", ""]
        lines += [escaped.markdown(), ""]
    keys = rule.config_keys
    lines += ["### Configuration", ""]
    lines += [_config_line(key) for key in keys] if keys else ["None."]
    lines += ["", "### References", ""]
    lines += [f"- {ref}" for ref in rule.references] or ["None."]
    lines.append("")
    return lines


def _manual_check_section(check: ManualCheck) -> list[str]:
    lines = [f"### {check.id}: {check.title}", "", _markdown_text(check.rationale), "", "Steps:", ""]
    lines += [f"{n}. {_escape(step)}" for n, step in enumerate(check.steps, start=1)]
    if check.references:
        lines += ["", "References: " + "; ".join(check.references)]
    lines.append("")
    return lines


def render_markdown(ruleset: RuleSet) -> str:
    """The whole catalog as one markdown document (``docs/rules.md``)."""
    rules = sorted(ruleset.rules, key=lambda r: r.id)
    lines = [
        "# Rule catalog",
        "",
        f"<!-- Generated from the rules' metadata: do not edit by hand. Regenerate with `{REGENERATE_COMMAND}`. -->",
        "",
        "Rule ids are a public contract: they never change meaning and are never reused. Severities are",
        'defaults; `auditor.toml` can override them (`[rules] severity = { "ID" = "high" }`) or disable a rule.',
        "",
        "A rule reads the facts of the sources it names; a scan in which one of them did not run reports the rule",
        "as *not evaluated*, never as passed.",
        "",
        "| id | severity | area | source | title |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| [{i}](#{_anchor(i, t)}) | {s} | {a} | {src} | {t} |" for i, s, a, src, t in catalog_rows(ruleset)]
    lines.append("")
    for rule in rules:
        lines += _rule_section(rule)
    if ruleset.manual_checks:
        lines += [
            "## Manual checks",
            "",
            "Settings no AWS API can read. Every report lists them with these steps instead of guessing.",
            "",
        ]
        for check in ruleset.manual_checks:
            lines += _manual_check_section(check)
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def _anchor(rule_id: str, title: str) -> str:
    """GitHub's heading anchor for ``## ID: Title``."""
    text = f"{rule_id}: {title}".lower()
    kept = "".join(ch for ch in text if ch.isalnum() or ch in " -_")
    return kept.replace(" ", "-")

"""The verdict under GitHub Actions: workflow-command annotations and a job summary.

When ``GITHUB_ACTIONS`` is ``true`` (what every GitHub-hosted and self-hosted runner sets), a gating run also
writes, on stderr (the runner reads workflow commands from both streams; stdout carries only a command's
result), an ``::error`` annotation for each finding that failed the gate (the first
``verdict.SHOWN_FINDINGS``, as the log) and a ``::warning`` for each coverage gap; and appends the verdict as
a markdown table to the file ``GITHUB_STEP_SUMMARY`` names. The repository's ``action.yml`` writes only the
command line and its exit code around it, so a job has one summary, not two.

Escaping is GitHub's (its toolkit's ``escapeData`` and ``escapeProperty``): ``%``, CR and LF in a message;
also ``:`` and ``,`` in a property. Names come from the audited accounts, so every text first goes through
``util/text.py``: no control character reaches the log, and markdown in a name stays text in the summary.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import TextIO

from auditor.commands.verdict import SHOWN_FINDINGS, SHOWN_GAPS, Verdict, account_label, gap_count, hint, one_line
from auditor.findings import Finding
from auditor.util.text import markdown_text, terminal_text

SUMMARY_ROWS = 100  # a job summary holds up to 1 MiB; the reports have every finding


def active(env: Mapping[str, str] | None = None) -> bool:
    return (os.environ if env is None else env).get("GITHUB_ACTIONS") == "true"


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF percent-encoded (``%`` first)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (``title=``, ``file=``): also ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, **properties: str) -> str:
    """``::error title=...,file=...::message``, each part escaped and made terminal-safe."""
    props = ",".join(f"{name}={escape_property(terminal_text(value))}" for name, value in properties.items())
    return f"::{kind}{' ' + props if props else ''}::{escape_data(terminal_text(message))}"


def finding_annotation(finding: Finding) -> str:
    """An ``::error`` for a finding that failed the gate; a finding in a file of the checkout points at its line."""
    properties = {"title": f"{finding.rule_id} ({finding.severity.value}): {finding.title}"}
    location = finding.location
    if location is not None and not PurePosixPath(location.path).is_absolute():
        properties |= {"file": location.path, "line": str(location.line)}
    message = f"{account_label(finding)}: {finding.display_name}: {one_line(finding.message)}"
    return command("error", message, **properties)


def workflow_commands(verdict: Verdict) -> list[str]:
    """The failing findings as errors and the gaps as warnings, as many as the log names."""
    out = [finding_annotation(finding) for finding in verdict.failing[:SHOWN_FINDINGS]]
    more = len(verdict.failing) - SHOWN_FINDINGS
    if more > 0:
        out.append(command("error", f"... and {more} more finding(s) failed the gate: see the reports", title="gate"))
    for gap in verdict.gaps[:SHOWN_GAPS]:
        title = "rule failed" if gap.kind == "rule" else "coverage gap"
        out.append(command("warning", gap.line(), title=title))
    return out


def _cell(text: str) -> str:
    """A table cell: markup escaped (a ``|`` cannot open a column), one line."""
    return markdown_text(one_line(text))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def summary_markdown(verdict: Verdict) -> str:
    """The verdict as the job summary shows it: the headline, a table of the findings that failed the gate, the
    gaps by name, the hint and the reports. Every cell escaped (``util/text.py``)."""
    out = [f"**{markdown_text(verdict.headline())}** (exit {verdict.exit_code})", ""]
    if verdict.failing:
        out += ["| severity | rule | account | resource | message |", "|---|---|---|---|---|"]
        for finding in verdict.failing[:SUMMARY_ROWS]:
            cells = [finding.severity.value, finding.rule_id, account_label(finding), finding.display_name]
            out.append("| " + " | ".join(_cell(cell) for cell in [*cells, finding.message]) + " |")
        if len(verdict.failing) > SUMMARY_ROWS:
            out.append(f"\n... and {len(verdict.failing) - SUMMARY_ROWS} more in the reports.")
        out += ["", _sentence(markdown_text(hint(verdict))) + ".", ""]
    if verdict.gaps:
        out += [f"{_sentence(markdown_text(gap_count(verdict.gaps)))}:", ""]
        out += [f"- {_cell(gap.line())}" for gap in verdict.gaps[:SUMMARY_ROWS]]
        if len(verdict.gaps) > SUMMARY_ROWS:
            out.append(f"- ... and {len(verdict.gaps) - SUMMARY_ROWS} more in the reports")
        out.append("")
    reports = ", ".join(markdown_text(path) for path in verdict.reports) or "none written"
    out += [f"Reports: {reports}", ""]
    return "\n".join(out) + "\n"


def publish(verdict: Verdict, env: Mapping[str, str] | None = None, stream: TextIO | None = None) -> None:
    """Under GitHub Actions: the annotations on ``stream`` (stderr) and the summary appended to
    ``GITHUB_STEP_SUMMARY`` (when set: ``action.yml`` unsets it when its ``job-summary`` input is off)."""
    env = os.environ if env is None else env
    if not active(env):
        return
    out = sys.stderr if stream is None else stream
    for line in workflow_commands(verdict):
        out.write(line + "\n")
    out.flush()
    path = env.get("GITHUB_STEP_SUMMARY")
    if path:
        append_summary(path, summary_markdown(verdict), out)


def append_summary(path: str, text: str, stream: TextIO) -> None:
    """Appended, as GitHub's contract for the file is (earlier steps' lines stay), never through a link. A
    summary that cannot be written is a warning: the verdict is in the log already, and the exit code stands."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        with os.fdopen(descriptor, "a", encoding="utf-8") as summary:
            summary.write(text)
    except OSError as exc:
        stream.write(terminal_text(f"auditor: warning: the job summary {path} was not written: {exc.strerror}") + "\n")

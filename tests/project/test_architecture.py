"""The dependency direction between the stages, checked on the source (docs/architecture.md).

The core (``auditor/``) never imports its plug-ins: only the CLI wiring (``auditor/cli.py`` and the command modules
in ``auditor/commands/``) names the built-in rule pack (``auditor.rules``, from ``rules/``) and the built-in formats
(``auditor.reports``, from ``reports/``).
Reporters depend on the findings document and the reporter interface only, never on collection, evaluation or
each other's internals; rules see the inventory and their context, never the configuration or the collectors.
A change that breaks this fails here with the offending import.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from conftest import REPO

ROOT = REPO
CLI_WIRING = {ROOT / "auditor" / "cli.py", *(ROOT / "auditor" / "commands").rglob("*.py")}
PLUG_INS = ("auditor.rules", "auditor.reports")
REPORTER_MAY_IMPORT = (
    "auditor.findings",
    "auditor.util.jsonfile",  # writing the tool's own JSON files a piece at a time (findings.json)
    "auditor.util.text",  # the one escaping of text for markdown (SARIF help.markdown), shared with the plan
    "auditor.readiness.models",  # the findings document's readiness section (its models only, not the stage)
    "auditor.reporter",
    "auditor.reports",
)
RULES_MAY_IMPORT = (
    "auditor.rule",  # the rule API and RuleContext
    "auditor.inventory",
    "auditor.inventory.facts",
    "auditor.findings",  # Severity, ManualCheck
    "auditor.util.isoduration",
    "auditor.permissions.privilege",  # the one definition of "privileged", shared with the readiness stage
    "auditor.remediation",  # the actions a fix is made of, shared with the migration plan
    "auditor.util.timestamps",
    "auditor.registry",  # RulePack, in the pack's __init__
    "auditor.engine.catalog",  # the pack's __main__ prints its catalog
    "auditor.rules",
)


def imported_modules(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            for alias in node.names:  # "from auditor import reports" imports the plug-in as well
                yield node.lineno, f"{node.module}.{alias.name}"


def is_under(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == package or module.startswith(package + ".") for package in packages)


def imports_where(paths: list[Path], wrong: Callable[[str], bool]) -> list[str]:
    """``path:line: imports module`` for every import of ``paths`` that ``wrong`` flags."""
    return [
        f"{path.relative_to(ROOT)}:{line}: imports {module}"
        for path in paths
        for line, module in imported_modules(path)
        if wrong(module)
    ]


def test_the_core_never_imports_its_plug_ins() -> None:
    core = [path for path in (ROOT / "auditor").rglob("*.py") if path not in CLI_WIRING]
    assert len(core) > 20  # the walk really saw the core
    assert imports_where(core, lambda module: is_under(module, PLUG_INS)) == []


def test_reporters_depend_on_the_findings_document_only() -> None:
    reporters = sorted((ROOT / "reports").glob("*.py"))
    assert len(reporters) >= 4
    assert imports_where(reporters, lambda m: m.startswith("auditor") and not is_under(m, REPORTER_MAY_IMPORT)) == []


def test_rules_see_the_inventory_and_their_context_only() -> None:
    """No rule module reaches the configuration (suppressions, switches), the collectors (the network) or the
    engine: what a rule may know is the inventory and its ``RuleContext``."""
    rule_modules = sorted((ROOT / "rules").glob("*.py"))
    assert len(rule_modules) >= 8
    assert imports_where(rule_modules, lambda m: m.startswith("auditor") and not is_under(m, RULES_MAY_IMPORT)) == []


def test_the_cli_wiring_is_where_the_plug_ins_are_named() -> None:
    assert len(CLI_WIRING) > 12  # cli.py and a module per command
    named = {module for path in CLI_WIRING for _, module in imported_modules(path) if is_under(module, PLUG_INS)}
    assert {"auditor.rules", "auditor.reports"} <= {m for m in named if m in PLUG_INS}


def test_every_module_is_named_in_the_architecture_document() -> None:
    """docs/architecture.md's map lists every module of the product, one line each, by its path."""
    document = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    mapped = set(re.findall(r"^\| `((?:auditor|rules|reports)/[\w/]+\.py)` \|", document, re.M))
    modules = {
        str(path.relative_to(ROOT)) for top in ("auditor", "rules", "reports") for path in (ROOT / top).rglob("*.py")
    }
    assert len(modules) > 100
    assert sorted(modules - mapped) == []  # a module the map does not name
    assert sorted(mapped - modules) == []  # a name the map keeps for a module that is gone

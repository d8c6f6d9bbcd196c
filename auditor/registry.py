"""Where rules come from: the packs the caller hands in, installed packs (entry points), a team's own directory.

The core names no pack: the CLI wiring passes the built-in one (``auditor.rules.BUILTIN_PACK``). Each source is
loaded on its own: a pack that fails to import, or yields something that is not a rule, becomes one
``problems`` line (shown in every report, and the run's coverage counts as incomplete) while every other pack
still runs. A third-party pack (installed or in a ``--rules-dir``) is untrusted code: it is imported, and its
rules run, in a process of its own (``auditor.engine.packs``), so ``sys.exit()`` at import time, an import that
never returns or a patch of the auditor's modules is a problem line, not the end (or the corruption) of the run.
Packs handed in (the built-in one) are imported here.

An installed pack registers ``name = "module:OBJECT"`` in the entry-point group ``auditor.rules``; the object may
be a :class:`RulePack` (rules plus manual checks), a module (its ``RULES``, else every rule defined in it), a
rule, an iterable of rules, or a callable returning one of these.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

from auditor.engine.packs import PackRef, RuleSpec, describe_pack
from auditor.errors import InputError
from auditor.findings import ManualCheck
from auditor.rule import Rule, rules_in
from auditor.util.isolation import DEFAULT_RULE_TIMEOUT_SECONDS

ENTRY_POINT_GROUP = "auditor.rules"


@dataclass(frozen=True)
class RulePack:
    """Rules and manual checks shipped together, with the name they are known by in reports."""

    origin: str
    rules: Sequence[Rule]
    manual_checks: Sequence[ManualCheck] = ()


@dataclass
class RuleSet:
    rules: list[Rule] = field(default_factory=list)
    manual_checks: list[ManualCheck] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    origin: dict[str, str] = field(default_factory=dict)  # rule id -> "builtin" | "entry point X" | file path
    # rule id -> its third-party pack: run in the pack's own process (engine/packs.py), never in this one
    isolated: dict[str, PackRef] = field(default_factory=dict)

    def add_pack(self, pack: RulePack) -> None:
        self.add(pack.rules, pack.origin)
        known = {check.id for check in self.manual_checks}
        self.manual_checks += [check for check in pack.manual_checks if check.id not in known]

    def add(self, rules: Iterable[Rule], origin: str) -> None:
        for rule in rules:
            if rule.id in self.origin:
                self.problems.append(
                    f"rule {rule.id} from {origin} ignored: the id is already defined by {self.origin[rule.id]}"
                )
                continue
            self.origin[rule.id] = origin
            self.rules.append(rule)

    def get(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    @property
    def ids(self) -> set[str]:
        return set(self.origin)


def load_rules(
    packs: Iterable[RulePack] = (),
    rules_dirs: Sequence[Path] = (),
    *,
    use_entry_points: bool = True,
    timeout: float | None = DEFAULT_RULE_TIMEOUT_SECONDS,
) -> RuleSet:
    """``packs`` first (their ids win a clash), then installed packs, then the ``*.py`` files of ``rules_dirs``.

    ``timeout``: seconds one pack's import may take before it is abandoned as a problem (``None``: no limit).
    """
    ruleset = RuleSet()
    for pack in packs:
        ruleset.add_pack(pack)
    if use_entry_points:
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            origin = f"rule pack {ep.name!r} ({ep.value})"
            _add_isolated(ruleset, PackRef(origin=origin, entry_point=ep.name), origin, timeout)
    for directory in rules_dirs:
        for path in _rule_files(directory):
            ref = PackRef(origin=f"rules file {path}", path=str(path.resolve()))
            _add_isolated(ruleset, ref, str(path), timeout)
    ruleset.rules.sort(key=lambda r: r.id)
    return ruleset


def entry_point_pack(name: str, origin: str) -> RulePack:
    """The installed pack named ``name``, imported: in a pack's own process only (``engine/pack_child.py``)."""
    (ep,) = entry_points(group=ENTRY_POINT_GROUP, name=name)
    return pack_from(ep.load(), origin)


def file_pack(path: str) -> RulePack:
    """The rules file at ``path``, imported: in a pack's own process only (``engine/pack_child.py``)."""
    return pack_from(_import_file(Path(path)), path)


def _add_isolated(ruleset: RuleSet, ref: PackRef, name: str, timeout: float | None) -> None:
    """A third party's pack is imported in a process of its own (``engine/packs.py``): its bugs (``sys.exit()``
    or an endless loop at import, a patch of the auditor's modules) cannot reach this run. Here it is data only:
    each rule a placeholder that the engine runs in the pack's process again."""
    described = describe_pack(ref, timeout)
    if isinstance(described, str):
        ruleset.problems.append(described)
        return
    rules = [_placeholder(spec) for spec in described.rules]
    before = set(ruleset.origin)
    ruleset.add_pack(RulePack(origin=name, rules=rules, manual_checks=described.manual_checks))
    for rule in rules:
        if rule.id not in before and ruleset.origin.get(rule.id) == name:
            ruleset.isolated[rule.id] = ref


class _RunsInItsPackProcess:
    """The ``check`` of a pack's rule as the parent holds it: never called here (``evaluate`` sends the rule to
    its pack's process); its docstring is the rule's, for the catalog."""

    def __init__(self, rule_id: str, doc: str | None) -> None:
        self.rule_id = rule_id
        self.__doc__ = doc

    def __call__(self, inventory: Any, context: Any) -> Iterable[Any]:
        raise RuntimeError(f"rule {self.rule_id} runs in its pack's own process, not here")


def _placeholder(spec: RuleSpec) -> Rule:
    return Rule(
        id=spec.id,
        title=spec.title,
        severity=spec.severity,
        area=spec.area,
        rationale=spec.rationale,
        remediation=spec.remediation,
        references=tuple(spec.references),
        check=_RunsInItsPackProcess(spec.id, spec.doc),
        sources=tuple(spec.sources),
        config_keys=tuple(spec.config_keys),
    )


def pack_from(obj: Any, origin: str) -> RulePack:
    """A pack's export as a :class:`RulePack` named ``origin``."""
    if isinstance(obj, RulePack):
        return RulePack(origin=origin, rules=rules_from(list(obj.rules)), manual_checks=obj.manual_checks)
    if isinstance(obj, ModuleType) and isinstance(getattr(obj, "PACK", None), RulePack):
        return pack_from(obj.PACK, origin)
    return RulePack(origin=origin, rules=rules_from(obj))


def rules_from(obj: Any) -> list[Rule]:
    """Accept what a pack may reasonably export: a module, a Rule, an iterable of Rules, or a callable returning one."""
    if isinstance(obj, Rule):
        return [obj]
    if isinstance(obj, ModuleType):
        exported = getattr(obj, "RULES", None)
        return rules_from(exported) if exported is not None else rules_in(vars(obj))
    if callable(obj):
        return rules_from(obj())
    if isinstance(obj, Iterable) and not isinstance(obj, (str, bytes)):
        items = list(obj)
        strays = [item for item in items if not isinstance(item, Rule)]
        if strays:
            raise TypeError(f"expected rules, got {type(strays[0]).__name__}")
        return items
    raise TypeError(f"expected a module, a rule or a list of rules, got {type(obj).__name__}")


def _rule_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise InputError(f"--rules-dir {directory}: not a directory")
    return sorted(p for p in directory.glob("*.py") if not p.name.startswith("_"))


def _import_file(path: Path) -> ModuleType:
    name = f"auditor_local_rules.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module

"""Third-party rule packs (``--rules-dir`` files, installed entry-point packs) run in a process of their own.

Why a process and not a thread: code of a pack runs in more places than its rule body (an exception's
``__str__``, a fix template's ``derive``, an evidence mapping's iteration), and some of it cannot be stopped in
a thread at all (a regular expression or a big-integer power holds the GIL in C; ``os._exit`` ends the whole
interpreter; a pack that patches ``auditor.engine.gate.gate`` at import changes the run's exit code). So the
parent never imports a pack and never calls its code:

* ``describe_pack`` starts the child (``python -m auditor.engine.pack_child``) to import the pack and report its
  rules' metadata as data (:class:`RuleSpec`), validated here; the parent builds placeholder rules from it.
* ``run_pack`` starts the child again with the inventory's saved JSON (a file the child reads: its copy, so a
  rule that mutates it changes nothing here), the rule context's settings and the rule ids. The child runs each
  rule and renders its hits to plain data there (evidence through JSON, the fix filled), so ``derive`` and
  evidence iteration run in the child too. Each rule's result comes back as a JSON line, validated as a
  :class:`RuleResult`.
* The child caps its own memory before importing the pack (``PACK_MEMORY_LIMIT`` more than it holds then;
  Linux, ``RLIMIT_AS``): a rule that allocates without bound gets ``MemoryError`` and is ``failed`` with a
  ``RuleOutOfMemory`` gap ("ran out of memory (limit 1 GiB)"), at import a problem line saying the same.
* The parent waits for each rule at most ``--rule-timeout`` seconds; past it, or when the child dies (exit,
  ``os._exit``, a signal), the child is terminated then killed, the rule is ``failed`` with a gap naming it,
  and a fresh child runs the pack's remaining rules.

The child's standard output is not the parent's: it keeps its protocol on a duplicate of the pipe and points
file descriptor 1 at the null device, so a pack printing cannot corrupt a report written to stdout. Its standard
error goes to the null device too. It runs in a new session (POSIX), so a signal to its process group does not
reach the auditor.

What this does not do (docs/architecture.md, "Threat model"): the child inherits the auditor's environment,
credentials' environment variables included, and may read and write what the user may. Isolation protects the
run (its findings, gate, reports and output paths), not secrets: a pack is still code you choose to trust.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from typing import IO, Any, Literal

from pydantic import Field, ValidationError

from auditor.findings import FileLocation, ManualCheck, Remediation, Severity
from auditor.model import Model

CHILD_MODULE = "auditor.engine.pack_child"
# The child's own start-up and reading the inventory (our code, not the pack's) are not the pack's time: they get
# this much more, so a 1 s --rule-timeout still works on a large inventory or a loaded machine. The pack's import
# is timed from the child's "loaded" message on.
INVENTORY_LOAD_SECONDS = 300.0
MAX_HITS_PER_RULE = 100_000  # a rule yielding forever stops here rather than filling the child's memory
# What the pack may allocate in its process (Linux: RLIMIT_AS), on top of what the child holds when the pack is
# imported (the interpreter, the auditor's modules, the inventory): a cap that grows with the organization, so a
# large inventory is never the pack's fault. 1 GiB is generous for rules that walk the inventory; a pack that
# allocates without bound fails there instead of taking the machine's memory.
PACK_MEMORY_LIMIT = 1024**3
OUT_OF_MEMORY_CODE = "RuleOutOfMemory"


def out_of_memory_message(limit: int | None) -> str:
    """The gap's text when a pack hits its memory cap."""
    return f"ran out of memory (limit {(limit or 0) / 1024**3:g} GiB)"


class PackRef(Model):
    """How the child finds a pack again: a file of a ``--rules-dir`` or an installed entry point."""

    origin: str  # as reports name it: "rules file PATH" / "rule pack 'NAME' (VALUE)"
    path: str | None = None  # absolute path of a rules file
    entry_point: str | None = None  # the entry point's name in ``auditor.rules``


class RuleSpec(Model):
    """A pack rule's metadata, as data: all the parent knows of the rule."""

    id: str
    title: str
    severity: Severity
    area: str
    rationale: str
    remediation: str
    references: list[str] = Field(default_factory=list)
    sources: list[str]
    config_keys: list[str] = Field(default_factory=list)
    doc: str | None = None  # the check's docstring: the catalog's "what it checks"


class PackDescription(Model):
    rules: list[RuleSpec] = Field(default_factory=list)
    manual_checks: list[ManualCheck] = Field(default_factory=list)


class RenderedHit(Model):
    """One hit as plain data, rendered in the child: evidence through JSON, the fix already filled."""

    account_id: str | None
    resource_type: str
    resource_id: str
    message: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    discriminator: str = ""
    region: str | None = None
    location: FileLocation | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    severity: Severity | None = None
    fix: Remediation | None = None


class RuleResult(Model):
    """What one rule did in the child: its hits, the hits it yielded that were unusable, or what it raised."""

    rule: str
    hits: list[RenderedHit] = Field(default_factory=list)
    invalid: list[str] = Field(default_factory=list)  # why each dropped hit was unusable
    error_code: str | None = None  # set when the rule raised: its exception's class name
    error: str | None = None


class ChildMessage(Model):
    """One line of the child's protocol."""

    kind: Literal["loaded", "ready", "description", "result", "load_failed", "internal_error"]
    description: PackDescription | None = None
    result: RuleResult | None = None
    message: str = ""


class ChildRequest(Model):
    mode: Literal["describe", "run"]
    pack: PackRef
    inventory_path: str | None = None
    thresholds: dict[str, Any] = Field(default_factory=dict)
    production_patterns: list[str] = Field(default_factory=list)
    rule_ids: list[str] = Field(default_factory=list)
    memory_limit: int | None = PACK_MEMORY_LIMIT  # bytes the pack may allocate past the child's own; None: no cap
    # The parent's import path: the child finds the pack (and its distribution's entry point) where the parent
    # would have, e.g. a plug-in directory added at run time.
    sys_path: list[str] = Field(default_factory=list)


class PackFailure(Model):
    """Why a rule (or the whole pack) has no result: ``code`` is the gap's error code."""

    code: str
    message: str


Outcome = RuleResult | PackFailure


def describe_pack(ref: PackRef, timeout: float | None) -> PackDescription | str:
    """The pack's rules as data, or the problem line ("ORIGIN failed to load: ...")."""
    with _Child(ChildRequest(mode="describe", pack=ref)) as child:
        started = child.next(INVENTORY_LOAD_SECONDS + (timeout or 0))  # our start-up: not the pack's time
        message = child.next(timeout) if started is not None and started.kind == "loaded" else started
        if message is None or message.kind == "load_failed" or message.description is None:
            return f"{ref.origin} failed to load: {child.why(message, timeout, 'importing')}"
        return message.description


def run_pack(
    ref: PackRef,
    rule_ids: list[str],
    inventory_path: str,
    thresholds: dict[str, Any],
    production_patterns: list[str],
    timeout: float | None,
) -> dict[str, Outcome]:
    """Each rule's result or failure. A rule that overruns or ends its process is charged alone: the pack's
    remaining rules run in a fresh child."""
    outcomes: dict[str, Outcome] = {}
    remaining = list(rule_ids)
    while remaining:
        request = ChildRequest(
            mode="run",
            pack=ref,
            inventory_path=inventory_path,
            thresholds=thresholds,
            production_patterns=production_patterns,
            rule_ids=remaining,
        )
        with _Child(request) as child:
            loaded = child.next(INVENTORY_LOAD_SECONDS + (timeout or 0))
            ready = child.next(timeout) if loaded is not None and loaded.kind == "loaded" else loaded
            if ready is None or ready.kind != "ready":
                why = child.why(ready, timeout, "importing")
                failure = PackFailure(code="RulePackError", message=f"{ref.origin} failed to load: {why}")
                return outcomes | dict.fromkeys(remaining, failure)
            while remaining:
                rule_id = remaining.pop(0)
                message = child.next(timeout)
                if message is not None and message.result is not None and message.result.rule == rule_id:
                    outcomes[rule_id] = message.result
                    continue
                outcomes[rule_id] = child.failure(message, timeout)
                break  # the child is killed on leaving the block; the rest run in a new one
    return outcomes


class _Child:
    """One child process and a reader thread that turns its protocol lines into messages (a queue waits with a
    timeout on every platform, where ``select`` on a pipe is POSIX only)."""

    def __init__(self, request: ChildRequest) -> None:
        self.request = request
        self.messages: queue.Queue[ChildMessage | None] = queue.Queue()
        self.garbled: str | None = None
        self.timed_out = False

    def __enter__(self) -> _Child:
        kwargs: dict[str, Any] = {"start_new_session": True} if os.name == "posix" else {}
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", CHILD_MODULE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            **kwargs,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        request = self.request.model_copy(update={"sys_path": [str(entry) for entry in sys.path]})
        self.process.stdin.write(request.model_dump_json().encode() + b"\n")
        self.process.stdin.close()
        reader = threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True, name="pack-reader")
        reader.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        stop(self.process)

    def _read(self, stream: IO[bytes]) -> None:
        try:
            for line in stream:
                try:
                    self.messages.put(ChildMessage.model_validate_json(line))
                except (ValidationError, ValueError) as exc:
                    self.garbled = f"its process sent what is not a result ({str(exc).splitlines()[0][:120]})"
                    break
        finally:
            self.messages.put(None)  # end of stream: the child exited or closed its pipe
            stream.close()

    def next(self, timeout: float | None) -> ChildMessage | None:
        """The next message; ``None`` when the child ended, sent garbage, or ``timeout`` passed."""
        try:
            message = self.messages.get(timeout=timeout)
        except queue.Empty:
            self.timed_out = True
            return None
        if message is not None and message.kind == "internal_error":
            self.garbled = f"the auditor's child process failed: {message.message}"
            return None
        return message

    def why(self, message: ChildMessage | None, timeout: float | None, doing: str) -> str:
        if message is not None:
            return message.message or f"unexpected {message.kind!r} from its process"
        if self.timed_out:
            return f"did not finish {doing} within {timeout:g} s"
        return self.garbled or self.ended()

    def failure(self, message: ChildMessage | None, timeout: float | None) -> PackFailure:
        if message is None and self.timed_out:
            return PackFailure(
                code="RuleTimeout", message=f"did not finish within {timeout:g} s (--rule-timeout); abandoned"
            )
        if message is None and self.garbled is None:
            return PackFailure(code="RuleProcessExit", message=f"{self.ended()} before the rule finished")
        return PackFailure(code="RuleProcessError", message=self.garbled or "its process answered out of turn")

    def ended(self) -> str:
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "its process stopped answering"
        if code < 0:
            return f"its process was ended by signal {-code}"
        return f"its process exited (exit code {code})"


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate, then kill what did not go: a child stuck in C ignores nothing SIGKILL sends. On POSIX the
    signals go to the child's process group (its session, started here): the pack runs in a process behind a
    stand-in (``pack_child._behind_a_stand_in``) that may already be gone, and whatever the pack started goes too.
    A group is addressed by its leader's id, which the system does not give to another process while any member
    of the group lives, so this cannot signal a stranger."""
    if os.name == "posix":
        _signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
        _signal_group(process.pid, signal.SIGKILL)  # what is left of the group: the pack's process, its children
        process.wait()
    elif process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _signal_group(group: int, signum: int) -> None:
    try:
        os.killpg(group, signum)
    except (ProcessLookupError, PermissionError):  # nothing left in the group
        pass

"""The process a third-party rule pack runs in: ``python -m auditor.engine.pack_child`` (started by ``packs.py``).

It reads one request (a :class:`~auditor.engine.packs.ChildRequest` as a JSON line) on stdin and answers with
JSON lines on what was its stdout. Everything the pack's code can reach runs here: its import, its rules, and the
rendering of their hits (an exception's ``__str__``, evidence iteration, a fix template's ``derive``), so the
auditor itself never calls pack code and nothing the pack does here (exit, loop, patch, mutate, ``chdir``,
print) reaches the run's own state. Whatever this process does wrong, the parent sees as a missing or late
answer and names the rule.
"""

from __future__ import annotations

import os
import sys
from typing import IO, Any


def _protocol_stream() -> IO[bytes]:
    """The answers go to a duplicate of the pipe; file descriptor 1 (and ``sys.stdout``) to the null device, so a
    pack writing to stdout, even with ``os.write(1, ...)``, cannot put bytes into the answers."""
    answers = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.close(null)
    sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    return answers


def _error_text(exc: BaseException) -> tuple[str, str]:
    """The exception's class name and first line. Its ``__str__`` is pack code: it may raise or exit, which is
    caught here; a loop in it is the parent's timeout."""
    try:
        name = str(type(exc).__name__)
    except BaseException:  # noqa: BLE001 - pack code
        name = "Exception"
    try:
        text = str(str(exc) or repr(exc))
        text = (text.splitlines() or [""])[0][:300]
    except BaseException:  # noqa: BLE001 - pack code
        text = "(its message could not be read: reading it raised)"
    return name, text


def _cap_memory(limit: int | None) -> None:
    """Let the pack allocate at most ``limit`` bytes more than this process holds now (Linux: ``RLIMIT_AS``,
    soft and hard alike, so the pack cannot raise it again without privileges). Past it an allocation raises
    ``MemoryError`` here instead of the machine running out. Elsewhere the address-space limit is not enforced
    (macOS) or not available (Windows): no cap, as the docs say."""
    if limit is None or not sys.platform.startswith("linux"):
        return
    import resource

    with open("/proc/self/statm", encoding="ascii") as statm:
        in_use = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    cap = in_use + limit
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def _behind_a_stand_in(answers: IO[bytes]) -> None:
    """POSIX: fork; this process becomes a stand-in that only waits for its child and ends as it did, and the
    child (the caller, on return) goes on to import and run the pack.

    Why: the pack's parent is then the stand-in, not the auditor. A pack that signals "its parent"
    (``os.kill(os.getppid(), signal.SIGTERM)``, ``SIGKILL``, ``SIGINT``) ends the stand-in, not the run: the
    pack's process keeps its pipe, its answers still arrive, and ``packs.stop`` ends the whole process group
    (the stand-in's session) whatever is left in it. It is not a sandbox: a pack that looks the auditor up
    (its grandparent, by ``/proc``) can still signal it, and the run then ends with that signal's exit code,
    never 0 (docs/architecture.md, the threat model). Forked before anything else is imported, while this
    process has one thread: the stand-in stays small."""
    if os.name != "posix":
        return
    import signal

    pid = os.fork()
    if pid == 0:
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a pack's SIGINT to its parent: nothing to interrupt here
    answers.close()
    sys.stdin.close()
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code < 0:  # ended by a signal: end the same way, so the auditor names the signal
        if -code != signal.SIGKILL:
            signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    os._exit(code & 0xFF)


def main() -> None:
    answers = _protocol_stream()
    _behind_a_stand_in(answers)
    from auditor.engine.packs import ChildMessage, ChildRequest

    def send(message: ChildMessage) -> None:
        answers.write(message.model_dump_json().encode() + b"\n")
        answers.flush()

    request: ChildRequest | None = None
    try:
        request = ChildRequest.model_validate_json(sys.stdin.buffer.readline())
        if request.sys_path:
            sys.path[:] = request.sys_path
        if request.mode == "describe":
            _describe(request, send)
        else:
            _run(request, send)
    except MemoryError:  # past the cap in our own code (rendering a huge answer): the pack's doing all the same
        send(ChildMessage(kind="internal_error", message=_out_of_memory(request)))
    except BaseException as exc:  # noqa: BLE001 - our own fault, reported rather than silent
        name, text = _error_text(exc)
        send(ChildMessage(kind="internal_error", message=f"{name}: {text}"))
    answers.close()
    os._exit(0)  # no pack atexit handler, no pack thread keeps this process alive


def _import(request: Any, send: Any) -> Any:
    """The pack, or ``None`` once its failure is sent (whatever it raised at import, ``SystemExit`` included)."""
    from auditor.engine.packs import ChildMessage
    from auditor.registry import entry_point_pack, file_pack

    ref = request.pack
    _cap_memory(request.memory_limit)
    out_of_memory = False
    try:
        return entry_point_pack(ref.entry_point, ref.origin) if ref.entry_point else file_pack(ref.path)
    except MemoryError:
        out_of_memory = True  # the message is sent once the pack's frames (and what they hold) are released
    except BaseException as exc:  # noqa: BLE001 - pack code
        name, text = _error_text(exc)
        send(ChildMessage(kind="load_failed", message=f"{name}: {text}"))
        return None
    if out_of_memory:
        send(ChildMessage(kind="load_failed", message=_out_of_memory(request)))
    return None


def _out_of_memory(request: Any) -> str:
    from auditor.engine.packs import PACK_MEMORY_LIMIT, out_of_memory_message

    return out_of_memory_message(PACK_MEMORY_LIMIT if request is None else request.memory_limit)


def _describe(request: Any, send: Any) -> None:
    import inspect

    import auditor.registry  # noqa: F401 - our imports before the pack's import is timed
    from auditor.engine.packs import ChildMessage, PackDescription, RuleSpec

    send(ChildMessage(kind="loaded"))
    pack = _import(request, send)
    if pack is None:
        return
    try:
        description = PackDescription(
            rules=[
                RuleSpec(
                    id=str(rule.id),
                    title=str(rule.title),
                    severity=rule.severity,
                    area=str(rule.area),
                    rationale=str(rule.rationale),
                    remediation=str(rule.remediation),
                    references=[str(ref) for ref in rule.references],
                    sources=[str(source) for source in rule.sources],
                    config_keys=[str(key) for key in rule.config_keys],
                    doc=inspect.getdoc(rule.check),
                )
                for rule in pack.rules
            ],
            manual_checks=[check.model_dump() for check in pack.manual_checks],
        )
    except MemoryError:
        send(ChildMessage(kind="load_failed", message=_out_of_memory(request)))
        return
    except BaseException as exc:  # noqa: BLE001 - pack code (a str subclass, a property)
        name, text = _error_text(exc)
        send(ChildMessage(kind="load_failed", message=f"{name}: {text}"))
        return
    send(ChildMessage(kind="description", description=description))


def _run(request: Any, send: Any) -> None:
    from pathlib import Path

    from auditor.engine.config import Thresholds
    from auditor.engine.packs import ChildMessage, RuleResult
    from auditor.engine.patterns import AccountPattern
    from auditor.inventory import Inventory
    from auditor.rule import RuleContext

    inventory = Inventory.load(Path(request.inventory_path))
    context = RuleContext(
        as_of=inventory.as_of,
        thresholds=Thresholds.model_validate(request.thresholds),
        production_patterns=tuple(AccountPattern.parse(p) for p in request.production_patterns),
    )
    import auditor.registry  # noqa: F401 - our imports before the pack's import is timed

    send(ChildMessage(kind="loaded"))
    pack = _import(request, send)
    if pack is None:
        return
    send(ChildMessage(kind="ready"))
    rules: dict[str, Any] = {}
    for rule in pack.rules:
        rules.setdefault(rule.id, rule)
    for rule_id in request.rule_ids:
        rule = rules.get(rule_id)
        if rule is None:
            result = RuleResult(rule=rule_id, error_code="RuleMissing", error="the pack no longer defines this rule")
        else:
            result = _result_of(rule, inventory, context, request)
        send(ChildMessage(kind="result", result=result))


def _result_of(rule: Any, inventory: Any, context: Any, request: Any) -> Any:
    """The rule's result. ``MemoryError`` (the cap of :func:`_cap_memory`) is the rule's failure, whether its check
    or the rendering of its hits (``derive``, evidence) allocated: the answer is built only after the exception,
    its traceback and the frames holding the memory are gone, so there is room to build it."""
    from auditor.engine.packs import MAX_HITS_PER_RULE, OUT_OF_MEMORY_CODE, RuleResult

    hits: list[Any] = []
    result = RuleResult(rule=rule.id)
    out_of_memory = False
    try:
        for hit in rule.check(inventory, context):
            hits.append(hit)
            if len(hits) >= MAX_HITS_PER_RULE:
                break
        for hit in hits:
            try:
                result.hits.append(_rendered(rule, hit, inventory))
            except _Unusable as exc:
                result.invalid.append(str(exc))
            except MemoryError:
                raise
            except BaseException as exc:  # noqa: BLE001 - pack code run while rendering (evidence, derive)
                name, text = _error_text(exc)
                result.invalid.append(f"{name}: {text[:120]}")
    except MemoryError:
        out_of_memory = True
    except BaseException as exc:  # noqa: BLE001 - pack code: SystemExit and KeyboardInterrupt included
        name, text = _error_text(exc)
        return RuleResult(rule=rule.id, error_code=name, error=text)
    if out_of_memory:
        hits.clear()
        del result
        return RuleResult(rule=rule.id, error_code=OUT_OF_MEMORY_CODE, error=_out_of_memory(request))
    return result


class _Unusable(Exception):
    """A hit that is not well-formed: the reason is the gap's text."""


def _rendered(rule: Any, hit: Any, inventory: Any) -> Any:
    """The hit as plain data: fields checked as the in-process engine checks them, evidence through JSON, the
    rule's fix filled with the hit's facts here, where ``derive`` is allowed to run."""
    import json

    from auditor.engine.evaluate import hit_facts, hit_problem
    from auditor.engine.packs import RenderedHit

    problem = hit_problem(hit)
    if problem:
        raise _Unusable(problem)
    evidence = json.loads(json.dumps(dict(hit.evidence), allow_nan=False, ensure_ascii=False))
    account_name = inventory.account_name(hit.account_id) if hit.account_id else None
    fix = rule.fix.fill(hit_facts(hit, account_name)) if rule.fix is not None else None
    rendered = RenderedHit(
        account_id=None if hit.account_id is None else str(hit.account_id),
        resource_type=str(hit.resource_type),
        resource_id=str(hit.resource_id),
        message=str(hit.message),
        evidence=evidence,
        discriminator=str(hit.discriminator),
        region=None if hit.region is None else str(hit.region),
        location=None if hit.location is None else hit.location.model_dump(),
        tags={str(k): str(v) for k, v in hit.tags.items()},
        severity=hit.severity,
        fix=None if fix is None else fix.model_dump(),
    )
    # UTF-8 refuses a lone surrogate (UnicodeEncodeError): such a hit would break the answer and every report.
    json.dumps(rendered.model_dump(mode="json"), ensure_ascii=False).encode()
    return rendered


if __name__ == "__main__":
    main()

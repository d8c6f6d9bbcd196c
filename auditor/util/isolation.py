"""Run third-party code (a rule pack's import, a rule's check) so that nothing it does can end or hang the run.

The pull-request gate loads rules from the pull request, so a rule is untrusted input to the run:

* anything it raises, ``BaseException`` included (``sys.exit(0)``, ``KeyboardInterrupt``, ``GeneratorExit``),
  comes back as a value, never as the end of the run. A real Ctrl-C is not confused with a rule's own
  ``raise KeyboardInterrupt``: the code runs in a worker thread, and Python delivers SIGINT to the main
  thread only, so the user's Ctrl-C interrupts the *wait* below and stops the run as it should;
* a time limit: the caller stops waiting after ``timeout`` seconds and carries on.

What "stop" means in Python, honestly: a thread cannot be killed. A rule that runs past its limit is
*abandoned*: the run goes on without it, the thread is a daemon so it does not keep the process alive at exit,
but until then it keeps using CPU (and the GIL, so the other rules run slower). Code that calls ``os._exit`` or
crashes the interpreter cannot be contained in-process: that is why third-party packs run in a process of their
own (``auditor.engine.packs``); this thread isolation is what the built-in rules get.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

# What a rule pack's import and a rule's check may each take (--rule-timeout): one limit, since both are the rule
# author's code run here. A built-in rule takes well under a second on a 1,000-account inventory. The command line
# reads it for --help, so this module stays light.
DEFAULT_RULE_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class Isolated(Generic[T]):
    """What happened: a ``value``, an ``error`` (anything raised), or ``timed_out``."""

    value: T | None = None
    error: BaseException | None = None
    timed_out: bool = False

    def error_text(self) -> str:
        """The error's own message, first line, capped (``repr`` when it has none, e.g. ``SystemExit()``)."""
        if self.error is None:
            return ""
        text = str(self.error) or repr(self.error)
        return (text.splitlines() or [repr(self.error)])[0][:300]

    def describe_error(self) -> str:
        """``SystemExit: 0``, ``ValueError: bad``: the error as one line for a coverage gap."""
        return f"{type(self.error).__name__}: {self.error_text()}" if self.error is not None else ""


def run_isolated(
    work: Callable[[], T], timeout: float | None, name: str, *, abandoned: threading.Event | None = None
) -> Isolated[T]:
    """``work()`` in a daemon thread; wait at most ``timeout`` seconds (``None``: no limit).

    ``abandoned`` is set when the time runs out, for work that can notice it (a rule's hits are consumed one
    by one, so a generator that yields forever stops at its next hit instead of filling memory).
    """
    box: dict[str, object] = {}
    finished = threading.Event()

    def target() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - the point: SystemExit and friends become a value
            box["error"] = exc
        finally:
            finished.set()

    worker = threading.Thread(target=target, name=f"auditor-isolated-{name}", daemon=True)
    worker.start()
    if not finished.wait(timeout):
        if abandoned is not None:
            abandoned.set()
        return Isolated(timed_out=True)
    if "error" in box:
        return Isolated(error=box["error"])  # type: ignore[arg-type]
    return Isolated(value=box.get("value"))  # type: ignore[arg-type]

"""The console script's entry point (``auditor``, ``python -m auditor``): signals handled before anything heavy is
imported.

Why a module of its own: importing :mod:`auditor.cli` imports the command modules and pydantic, which takes a
noticeable moment; a Ctrl-C in that moment printed a Python traceback. And SIGTERM, which GitLab, Jenkins and
Kubernetes send on cancel, killed the process at once: no message, no partial inventory, a temporary report
file left behind. So, before the first heavy import, both signals end the process with one line; once the
program is loaded, SIGTERM raises :class:`Terminated` where Ctrl-C raises ``KeyboardInterrupt``, so it takes the
same way out (the partial inventory saved, temporary files removed) and ends with 143 (128 + SIGTERM).
This module imports only the standard library's ``os``, ``signal`` and ``sys``.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
EXIT_TERMINATED = 143  # 128 + SIGTERM

_received: list[int] = []  # the signals received since the program was loaded


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread as Ctrl-C's ``KeyboardInterrupt`` is: every clean-up of Ctrl-C runs."""


def terminated() -> bool:
    """Whether the interruption being handled came from SIGTERM (a ``KeyboardInterrupt`` may have been re-raised
    as another one on its way up, e.g. the scan's ``ScanInterrupted``)."""
    return signal.SIGTERM in _received


def interruption() -> str:
    """What stopped the run, in the words of every message that reports it ("the scan was ..."): a partial
    inventory saved after SIGTERM must not say Ctrl-C."""
    return "terminated (SIGTERM)" if terminated() else "interrupted (Ctrl-C)"


def interruption_line_and_code() -> tuple[str, int]:
    if terminated():
        return "auditor: terminated (SIGTERM)", EXIT_TERMINATED
    return "auditor: interrupted", EXIT_INTERRUPTED


def _during_start_up(signum: int, _: FrameType | None) -> None:
    """Before the program is loaded there is nothing to clean up: one line, and out."""
    line = "auditor: terminated (SIGTERM)\n" if signum == signal.SIGTERM else "auditor: interrupted\n"
    os.write(2, line.encode())
    os._exit(EXIT_TERMINATED if signum == signal.SIGTERM else EXIT_INTERRUPTED)


def _on_sigterm(signum: int, _: FrameType | None) -> None:
    _received.append(signum)
    raise Terminated("terminated")


def install_start_up_handlers() -> None:
    """One line and the exit code for either signal, until :func:`install_run_handlers`. A SIGINT the parent
    process ignores (a background job of a non-interactive shell) stays ignored."""
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, _during_start_up)
    signal.signal(signal.SIGTERM, _during_start_up)


def install_run_handlers() -> None:
    """From here Ctrl-C is Python's ``KeyboardInterrupt`` and SIGTERM is :class:`Terminated`."""
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _on_sigterm)


def run() -> None:
    """The ``auditor`` command."""
    install_start_up_handlers()
    from auditor.cli import main  # the heavy import, under the start-up handlers

    install_run_handlers()
    sys.exit(main())

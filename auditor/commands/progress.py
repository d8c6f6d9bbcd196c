"""``--progress``: what a collection says while it runs, for a person at a terminal and for a CI log.

A terminal gets a bar: one line rewritten in place as accounts finish. A CI log has no terminal to rewrite, and a
scan can take minutes with nothing to show, so it gets a plain line at a steady interval (:data:`INTERVAL_SECONDS`)
and one at the end: accounts done out of the total, AWS calls sent, time elapsed. ``auto`` (the default) picks
the bar on a terminal, plain lines when stderr is not one or when ``CI`` or ``GITHUB_ACTIONS`` is set (some CI
systems give a job a pseudo-terminal that renders no ``\\r``); ``none`` says nothing.

The line is written by a daemon thread that waits on an event, so a stalled account still shows the clock moving;
the clock and the calls counter are injected, so tests drive :meth:`Progress.tick` without waiting.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Literal, TextIO

Style = Literal["bar", "plain", "none"]
STYLES = ("auto", "plain", "bar", "none")
INTERVAL_SECONDS = 20.0  # a plain line at most this often (and one at the end)
BAR_REFRESH_SECONDS = 1.0  # the bar's elapsed time, redrawn


def add_progress_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    parser.add_argument(
        "--progress",
        choices=STYLES,
        default="auto",
        help="how collection progress is shown on stderr: a bar, a plain line every "
        f"{INTERVAL_SECONDS:g} s (accounts done, AWS calls, elapsed), or none; auto (default): the bar on a terminal, "
        "plain lines when stderr is not one or when CI or GITHUB_ACTIONS is set",
    )


def resolve_style(requested: str, env: Mapping[str, str], is_terminal: bool) -> Style:
    """The style ``auto`` stands for here; the others as given."""
    if requested in ("bar", "plain", "none"):
        return requested  # type: ignore[return-value]
    in_ci = any(env.get(name, "").lower() not in ("", "0", "false") for name in ("CI", "GITHUB_ACTIONS"))
    return "bar" if is_terminal and not in_ci else "plain"


def elapsed_text(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}m{whole % 60:02d}s" if whole >= 60 else f"{whole}s"


class Progress:
    """The collection's progress, shown in one style. ``account_done`` is ``CollectOptions.progress``."""

    def __init__(
        self,
        style: Style,
        stream: TextIO,
        *,
        clock: Callable[[], float] = time.monotonic,
        calls: Callable[[], int] = lambda: 0,
        interval: float = INTERVAL_SECONDS,
    ) -> None:
        self.style = style
        self.stream = stream
        self.clock = clock
        self.interval = interval if style == "plain" else BAR_REFRESH_SECONDS
        self._calls = calls
        self._calls_at_start = calls()
        self._started = clock()
        self._last_line = self._started
        self._done = 0
        self._total: int | None = None
        self._last_account = ""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def status(self) -> str:
        """``3/10 accounts, 412 AWS calls, 1m05s elapsed``."""
        total = "?" if self._total is None else str(self._total)
        calls = self._calls() - self._calls_at_start
        return f"{self._done}/{total} accounts, {calls} AWS calls, {elapsed_text(self.clock() - self._started)} elapsed"

    def account_done(self, done: int, total: int, account_id: str) -> None:
        with self._lock:
            self._done, self._total, self._last_account = done, total, account_id
            if self.style == "bar":
                self._draw_bar()

    def tick(self) -> None:
        """A plain line when the interval has passed since the last one; the bar redrawn (its clock moves)."""
        with self._lock:
            now = self.clock()
            if self.style == "bar":
                self._draw_bar()
            elif self.style == "plain" and now - self._last_line >= self.interval:
                self._write(f"progress: {self.status()}\n")
                self._last_line = now

    def finish(self) -> None:
        """The last line: plain says what was done in all; the bar ends its line."""
        with self._lock:
            if self.style == "plain":
                self._write(f"collected: {self.status()}\n")
            elif self.style == "bar" and self._total is not None:
                self._draw_bar()
                self._write("\n")

    def _draw_bar(self) -> None:
        last = f" (last: {self._last_account})" if self._last_account else ""
        self._write(f"\r\033[Kcollected {self.status()}{last}")

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.tick()

    def __enter__(self) -> Progress:
        if self.style != "none":
            self._thread = threading.Thread(target=self._run, name="auditor-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if kind is None:
            self.finish()
        elif self.style == "bar" and self._total is not None:
            self._write("\n")  # the bar's line ends before the interruption's message


def progress_for(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> Progress:
    """The progress of this command's collection, in the style ``--progress`` (or ``auto``) gives here."""
    from auditor.collect.calls import CALLS_SENT  # botocore: only for the commands that collect, when they run

    stream = sys.stderr
    style = resolve_style(getattr(args, "progress", "auto"), os.environ if env is None else env, stream.isatty())
    return Progress(style, stream, calls=lambda: CALLS_SENT.value)

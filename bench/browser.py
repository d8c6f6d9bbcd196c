"""Drive headless Chromium through the DevTools protocol, standard library only.

Chromium is started with ``--remote-debugging-pipe``: it reads protocol messages from its fd 3 and writes to its
fd 4, each a JSON text ended by a NUL byte. A pipe needs no port, no websocket client and no network, and it
closes when the browser dies, so a crashed browser shows up as an error instead of a hang.

Used by ``tests/reports/test_report_html.py`` and ``bench/html_report.py``::

    with Browser.launch() as browser:
        page = browser.new_page()
        page.goto(path.as_uri())
        page.wait_for("document.querySelector('#findings').dataset.state === 'ready'")
        assert page.console_errors() == []

Every wait has a deadline; the browser and every process it started are killed on exit (they share a process
group of their own), and its profile directory is removed.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome")
# Flags from the machine notes: no background networking (this machine has none), no first-run UI.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--remote-debugging-pipe",
)
DEFAULT_TIMEOUT = 30.0


class BrowserError(RuntimeError):
    """The browser failed, answered with a protocol error, or a wait ran past its deadline."""


def find_chromium() -> str | None:
    """``$CHROMIUM`` if set, else ``/usr/bin/chromium``, else the first candidate on ``PATH``."""
    override = os.environ.get("CHROMIUM")
    if override:
        return override if os.access(override, os.X_OK) else None
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def live_group_members(pgid: int) -> list[int]:
    """Processes of the group that are still running. Zombies do not count: the browser's helpers are
    reparented when it exits, and whoever adopts them reaps them in its own time."""
    try:
        entries = os.listdir("/proc")
    except OSError:  # no procfs: the group exists as long as any member, zombie or not
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return []
        return [pgid]
    alive = []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        state, group = fields[0], int(fields[2])  # after "pid (comm)": state, ppid, pgrp
        if group == pgid and state not in (b"Z", b"X"):
            alive.append(int(entry))
    return alive


@dataclass
class Event:
    method: str
    params: dict[str, Any]
    session_id: str | None


class Browser:
    """One Chromium process and the protocol connection to it."""

    def __init__(
        self, process: subprocess.Popen[bytes], to_browser: int, from_browser: int, profile: str, log_path: str
    ) -> None:
        self._process = process
        self._to_browser = to_browser
        self._from_browser = from_browser
        self._profile = profile
        self._log_path = log_path
        self._buffer = b""
        self._next_id = 0
        self._responses: dict[int, dict[str, Any]] = {}
        self._closed = False
        self.events: list[Event] = []
        # Handlers run on each event as it is read (e.g. to dismiss a dialog, which would block the page).
        self._handlers: list[Callable[[Event], None]] = []

    # ------------------------------------------------------------------------------------ lifecycle

    @classmethod
    def launch(
        cls, executable: str | None = None, extra_flags: tuple[str, ...] = (), timeout: float = DEFAULT_TIMEOUT
    ) -> Browser:
        executable = executable or find_chromium()
        if not executable:
            raise BrowserError("chromium not found (install it: apt-get install -y chromium)")
        profile = tempfile.mkdtemp(prefix="auditor-chromium-")
        log_path = os.path.join(profile, "chromium.log")
        # Our ends are created close-on-exec; only the copies placed at fds 3 and 4 reach Chromium.
        to_read, to_write = os.pipe()
        from_read, from_write = os.pipe()

        def place_pipes() -> None:  # runs in the child between fork and exec
            high_in = fcntl.fcntl(to_read, fcntl.F_DUPFD_CLOEXEC, 10)
            high_out = fcntl.fcntl(from_write, fcntl.F_DUPFD_CLOEXEC, 10)
            os.dup2(high_in, 3)
            os.dup2(high_out, 4)

        args = [executable, *CHROMIUM_FLAGS, *extra_flags, f"--user-data-dir={profile}", "about:blank"]
        with open(log_path, "wb") as log:
            try:
                process = subprocess.Popen(
                    args,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                    close_fds=False,  # our descriptors are close-on-exec anyway; 3 and 4 must survive
                    preexec_fn=place_pipes,  # noqa: PLW1509 - single-threaded callers (tests, bench)
                    start_new_session=True,  # its own process group: close() kills renderers and zygotes too
                )
            except OSError as exc:
                for fd in (to_read, to_write, from_read, from_write):
                    os.close(fd)
                shutil.rmtree(profile, ignore_errors=True)
                raise BrowserError(f"cannot start {executable}: {exc}") from exc
        os.close(to_read)
        os.close(from_write)
        browser = cls(process, to_write, from_read, profile, log_path)
        try:
            browser.call("Browser.getVersion", timeout=timeout)
        except BaseException:
            browser.close()
            raise
        return browser

    def close(self) -> None:
        """Ask the browser to quit, then make sure its whole process group is gone. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._process.poll() is None:
                try:
                    self._send("Browser.close", {}, None)
                except OSError:
                    pass
                try:
                    self._process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
        finally:
            self._kill_group()
            for fd in (self._to_browser, self._from_browser):
                try:
                    os.close(fd)
                except OSError:
                    pass
            shutil.rmtree(self._profile, ignore_errors=True)

    def _kill_group(self) -> None:
        pgid = self._process.pid  # start_new_session: the group id is the browser's pid
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                break
            if self._group_gone(pgid, within=5.0):
                break
        if self._process.poll() is None:
            self._process.wait(timeout=5)

    def _group_gone(self, pgid: int, within: float) -> bool:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            self._process.poll()  # reap the browser itself
            if not live_group_members(pgid):
                return True
            time.sleep(0.02)  # teardown only: nothing to wait on but the processes' exit
        return False

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pid(self) -> int:
        return self._process.pid

    def log_tail(self, limit: int = 2000) -> str:
        try:
            return Path(self._log_path).read_text(errors="replace")[-limit:]
        except OSError:
            return ""

    # ------------------------------------------------------------------------------------- protocol

    def _send(self, method: str, params: dict[str, Any], session_id: str | None) -> int:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session_id:
            message["sessionId"] = session_id
        data = json.dumps(message).encode("utf-8") + b"\0"
        while data:
            written = os.write(self._to_browser, data)
            data = data[written:]
        return self._next_id

    def _read_one(self, deadline: float) -> bool:
        """Read whatever the browser has written, up to the deadline; dispatch complete messages."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        ready, _, _ = select.select([self._from_browser], [], [], remaining)
        if not ready:
            return False
        chunk = os.read(self._from_browser, 1 << 20)
        if not chunk:
            raise BrowserError(f"chromium closed the protocol pipe (exit {self._process.poll()}): {self.log_tail()}")
        self._buffer += chunk
        while b"\0" in self._buffer:
            raw, self._buffer = self._buffer.split(b"\0", 1)
            message = json.loads(raw)
            if "id" in message:
                self._responses[message["id"]] = message
            else:
                event = Event(message.get("method", ""), message.get("params", {}), message.get("sessionId"))
                self.events.append(event)
                for handler in list(self._handlers):
                    handler(event)
        return True

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session_id: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> dict[str, Any]:
        if self._closed:
            raise BrowserError("browser is closed")
        request_id = self._send(method, params or {}, session_id)
        deadline = time.monotonic() + timeout
        while request_id not in self._responses:
            if not self._read_one(deadline) and time.monotonic() >= deadline:
                raise BrowserError(f"{method}: no answer within {timeout:.0f}s")
        response = self._responses.pop(request_id)
        if "error" in response:
            raise BrowserError(f"{method}: {response['error'].get('message')} {response['error'].get('data', '')}")
        return response.get("result", {})

    def notify(self, method: str, params: dict[str, Any], session_id: str | None) -> None:
        """Send without waiting (from an event handler, where waiting would re-enter the reader)."""
        request_id = self._send(method, params, session_id)
        self._responses.pop(request_id, None)

    def wait_event(
        self, predicate: Callable[[Event], bool], timeout: float = DEFAULT_TIMEOUT, start: int = 0, what: str = "event"
    ) -> Event:
        """The first event from index ``start`` on that satisfies ``predicate``; read more until the deadline."""
        deadline = time.monotonic() + timeout
        index = start
        while True:
            while index < len(self.events):
                if predicate(self.events[index]):
                    return self.events[index]
                index += 1
            if not self._read_one(deadline) and time.monotonic() >= deadline:
                raise BrowserError(f"no {what} within {timeout:.0f}s")

    def new_page(self, width: int = 1280, height: int = 900) -> Page:
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, target, session)
        self._handlers.append(page._on_event)
        for domain in ("Page", "Runtime", "Log", "Network"):
            page.call(f"{domain}.enable")
        page.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        return page


@dataclass
class Page:
    """One tab. Records what the page did: console messages, exceptions, requests, dialogs."""

    browser: Browser
    target_id: str
    session_id: str
    console: list[dict[str, Any]] = field(default_factory=list)  # {"source", "level", "text"}
    exceptions: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # URLs, in the order the page asked for them
    dialogs: list[dict[str, Any]] = field(default_factory=list)

    def call(
        self, method: str, params: dict[str, Any] | None = None, timeout: float = DEFAULT_TIMEOUT
    ) -> dict[str, Any]:
        return self.browser.call(method, params, self.session_id, timeout)

    def _on_event(self, event: Event) -> None:
        if event.session_id != self.session_id:
            return
        p = event.params
        if event.method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
            self.console.append({"source": "console", "level": p.get("type"), "text": text})
        elif event.method == "Log.entryAdded":
            entry = p.get("entry", {})
            self.console.append({"source": entry.get("source"), "level": entry.get("level"), "text": entry.get("text")})
        elif event.method == "Runtime.exceptionThrown":
            details = p.get("exceptionDetails", {})
            exc = details.get("exception", {})
            self.exceptions.append(str(exc.get("description") or details.get("text")))
        elif event.method == "Network.requestWillBeSent":
            self.requests.append(p.get("request", {}).get("url", ""))
        elif event.method == "Page.javascriptDialogOpening":
            self.dialogs.append(p)
            # An open dialog blocks the page: dismiss it at once, the test only needs to know it happened.
            self.browser.notify("Page.handleJavaScriptDialog", {"accept": False}, self.session_id)

    def console_errors(self) -> list[dict[str, Any]]:
        return [m for m in self.console if m["level"] in ("error", "assert", "warning")]

    def goto(self, url: str, timeout: float = DEFAULT_TIMEOUT) -> float:
        """Navigate and wait for the load event. Returns the seconds from the request to the load event."""
        start_index = len(self.browser.events)
        started = time.perf_counter()
        result = self.call("Page.navigate", {"url": url}, timeout=timeout)
        if result.get("errorText"):
            raise BrowserError(f"navigation to {url} failed: {result['errorText']}")
        self.browser.wait_event(
            lambda e: e.method == "Page.loadEventFired" and e.session_id == self.session_id,
            timeout=timeout,
            start=start_index,
            what=f"load event for {url}",
        )
        return time.perf_counter() - started

    def evaluate(self, expression: str, timeout: float = DEFAULT_TIMEOUT, await_promise: bool = False) -> Any:
        """The value of a JavaScript expression in the page (JSON-serialisable values only)."""
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": await_promise, "userGesture": True},
            timeout=timeout,
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            description = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"evaluating {expression[:80]!r}: {description}")
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float = 10.0) -> Any:
        """Wait, inside the page, until ``expression`` is truthy; return its value. Raises on the deadline."""
        ms = int(timeout * 1000)
        script = (
            "new Promise(function (resolve, reject) {"
            f"  var end = performance.now() + {ms};"
            "  (function check() {"
            f"    var value; try {{ value = ({expression}); }} catch (e) {{ reject(e); return; }}"
            "    if (value) { resolve(value); return; }"
            "    if (performance.now() > end) {"
            f"      reject(new Error('timed out waiting for: ' + {json.dumps(expression)})); return;"
            "    }"
            "    setTimeout(check, 5);"
            "  })();"
            "})"
        )
        return self.evaluate(script, timeout=timeout + 5, await_promise=True)

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False})["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        self.browser.call("Target.closeTarget", {"targetId": self.target_id})

"""Open a page in headless Chromium and check that it renders: no console
errors, every ``<img>`` decoded (natural width > 0), nothing fetched from
the network; save a full-page screenshot.

Chromium is driven over the Chrome DevTools Protocol (``--remote-debugging-port``)
with the small synchronous client of ``websocket-client``: the page is
attached *before* it is navigated, so that no console message or request is
missed, and the image sizes are read from the live DOM after the load event.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from imbalance_lab.errors import ImbalanceLabError, InvalidParameterError

#: Executable names of Chromium, tried in this order.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

#: Flags of a quiet, private, offline-minded headless browser.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-breakpad",
    "--disable-crash-reporter",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
)

#: URL schemes a self-contained page may load from.
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:", "chrome-error:")

#: Screenshot width in CSS pixels; the height follows the page (capped:
#: Chromium cannot capture textures taller than 16384 px).
SCREENSHOT_WIDTH, MAX_SCREENSHOT_HEIGHT = 1280, 16384

_IMAGES_JS = """JSON.stringify(Array.from(document.images).map(i => ({
  src: (i.currentSrc || i.src).slice(0, 60), complete: i.complete,
  naturalWidth: i.naturalWidth, naturalHeight: i.naturalHeight})))"""


def find_chromium() -> str | None:
    """Path of a Chromium executable, or None."""
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageCheck:
    """What the browser saw."""

    url: str
    console_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    screenshot: Path | None = None

    @property
    def broken_images(self) -> list[dict]:
        return [i for i in self.images if not i["naturalWidth"] > 0]

    @property
    def ok(self) -> bool:
        return not (self.console_errors or self.external_requests or self.broken_images)

    def problems(self) -> list[str]:
        out = [f"console error: {e}" for e in self.console_errors]
        out += [f"external request: {u}" for u in self.external_requests]
        out += [f"image did not render: {i['src']}" for i in self.broken_images]
        return out


class BrowserError(ImbalanceLabError, RuntimeError):
    """Chromium is missing, or could not be started or driven. An
    :class:`ImbalanceLabError`, so the CLI says it in one line."""


def check_page(html: str | Path, screenshot: str | Path | None = None, *,
               chromium: str | None = None, timeout: float = 120.0) -> PageCheck:
    """Load ``html`` in headless Chromium and return a :class:`PageCheck`;
    save a full-page PNG screenshot to ``screenshot`` when given."""
    page = Path(html).resolve()
    if not page.is_file():
        raise InvalidParameterError("html", str(html), "an existing HTML file")
    executable = chromium or find_chromium()
    if executable is None:
        raise BrowserError(f"no Chromium found (looked for {', '.join(CHROMIUM_NAMES)}); "
                           "install it with `make browser`")
    # The profile is scratch: a file left in it must not fail a check that
    # has already been made (the browser's helpers are stopped first, below).
    with tempfile.TemporaryDirectory(prefix="imbalance-lab-chromium-",
                                     ignore_cleanup_errors=True) as profile:
        log = Path(profile) / "chromium.log"
        with open(log, "wb") as log_file:
            # Its own process group, so that stopping it reaches the
            # renderer, GPU and utility processes too.
            process = subprocess.Popen(
                [executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
                stdout=subprocess.DEVNULL, stderr=log_file, start_new_session=True,
            )
        try:
            deadline = time.monotonic() + timeout
            port = _devtools_port(Path(profile), process, log, deadline)
            with _Session(_page_websocket(port, deadline), deadline) as session:
                return _inspect(session, page, Path(screenshot) if screenshot else None)
        finally:
            stop_process_group(process)


def stop_process_group(process: subprocess.Popen, grace: float = 10.0) -> None:
    """Stop ``process`` (started with ``start_new_session=True``) and every
    process of its group, and return only when none of them runs any more.

    Chromium's helper processes outlive a terminated browser process by a
    moment and go on writing to the profile; removing the profile while
    they do fails ("Directory not empty"). So: SIGTERM to the group, wait
    for the browser, then SIGKILL to whatever of the group is left and wait
    until it is gone (a zombie no init reaps counts as gone: it runs nothing).
    """
    group = process.pid
    _signal_group(group, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    _signal_group(group, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + grace
    while _group_runs(group) and time.monotonic() < deadline:
        time.sleep(0.01)


def _signal_group(group: int, signum: int) -> None:
    try:
        os.killpg(group, signum)
    except (ProcessLookupError, PermissionError):  # gone already (or only zombies left)
        pass


def _group_runs(group: int) -> bool:
    """Whether a process of ``group`` still runs (is not a zombie)."""
    try:
        os.killpg(group, 0)
    except (ProcessLookupError, PermissionError):
        return False
    proc = Path("/proc")
    if not proc.is_dir():  # no process table to read: trust the signal
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            # pid (comm) state ppid pgrp ...; comm may hold spaces and ')'
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended while we looked
        if int(fields[2]) == group and fields[0] not in ("Z", "X"):
            return True
    return False


def _devtools_port(profile: Path, process, log: Path, deadline: float) -> int:
    # Chromium writes the port it bound (asked for port 0) to DevToolsActivePort.
    marker = profile / "DevToolsActivePort"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BrowserError(f"Chromium exited with code {process.returncode}: "
                               f"{log.read_text(errors='replace')[-2000:]}")
        if marker.exists():
            first = marker.read_text().splitlines()[:1]
            if first and first[0].strip().isdigit():
                return int(first[0])
        time.sleep(0.05)
    raise BrowserError("Chromium did not open its DevTools port in time")


def _page_websocket(port: int, deadline: float) -> str:
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as reply:
            targets = json.loads(reply.read())
        pages = [t for t in targets if t.get("type") == "page"]
        if pages:
            return pages[0]["webSocketDebuggerUrl"]
        time.sleep(0.05)
    raise BrowserError("Chromium opened no page target in time")


class _Session:
    """A DevTools session: numbered commands, events collected on the way."""

    def __init__(self, url: str, deadline: float):
        self.url, self.deadline = url, deadline
        self.events: list[dict] = []
        self._ids = itertools.count(1)

    def __enter__(self):
        import websocket  # websocket-client

        # Chromium refuses websocket clients that send an Origin header
        # unless --remote-allow-origins is given; send none.
        self.ws = websocket.create_connection(self.url, timeout=self._left(),
                                              suppress_origin=True)
        return self

    def __exit__(self, *exc):
        self.ws.close()

    def _left(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise BrowserError("the browser check ran out of time")
        return left

    def _receive(self) -> dict:
        self.ws.settimeout(self._left())
        return json.loads(self.ws.recv())

    def call(self, method: str, **params) -> dict:
        ident = next(self._ids)
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = self._receive()
            if message.get("id") == ident:
                if "error" in message:
                    raise BrowserError(f"{method} failed: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def wait_for(self, method: str) -> dict:
        for event in self.events:
            if event["method"] == method:
                return event
        while True:
            message = self._receive()
            if "method" in message:
                self.events.append(message)
                if message["method"] == method:
                    return message


def _inspect(session: _Session, page: Path, screenshot: Path | None) -> PageCheck:
    for domain in ("Runtime", "Log", "Network", "Page"):
        session.call(f"{domain}.enable")
    url = page.as_uri()
    session.call("Page.navigate", url=url)
    session.wait_for("Page.loadEventFired")
    value = session.call("Runtime.evaluate", expression=_IMAGES_JS, returnByValue=True)
    images = json.loads(value["result"]["value"])
    check = PageCheck(url=url, images=images)
    if screenshot is not None:
        check.screenshot = _screenshot(session, screenshot)
    for event in session.events:
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            check.console_errors.append(text)
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            check.console_errors.append(
                details.get("exception", {}).get("description") or details.get("text", "exception"))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            check.console_errors.append(f"{entry.get('text', '')} {entry.get('url', '')}".strip())
        elif method == "Network.requestWillBeSent":
            request_url = params.get("request", {}).get("url", "")
            if not request_url.startswith(LOCAL_SCHEMES):
                check.external_requests.append(request_url)
    return check


def _screenshot(session: _Session, path: Path) -> Path:
    metrics = session.call("Page.getLayoutMetrics")
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    height = int(min(max(size["height"], 1), MAX_SCREENSHOT_HEIGHT))
    session.call("Emulation.setDeviceMetricsOverride", width=SCREENSHOT_WIDTH, height=height,
                 deviceScaleFactor=1, mobile=False)
    shot = session.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                        clip={"x": 0, "y": 0, "width": SCREENSHOT_WIDTH, "height": height,
                              "scale": 1})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))
    return path

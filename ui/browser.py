"""Drive the real Griffier web app in headless Chromium (tests, benchmarks,
screenshots).

Uses the system Chromium and chromedriver (Debian packages `chromium` and
`chromium-driver`) through Selenium 4; Selenium Manager's own driver download
does not work offline, so the driver path is given explicitly. Selenium is a
dev dependency and imported only here.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ui.cli.app_cmd import streamlit_command
from ui.processes import free_port, stop_process, wait_until_healthy

log = logging.getLogger(__name__)

CHROMIUM = os.environ.get("GRIFFIER_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("GRIFFIER_CHROMEDRIVER", "/usr/bin/chromedriver")
CHAT_BOX = '[data-testid="stChatInputTextArea"]'
MESSAGE = '[data-testid="stChatMessage"]'
# Lines in the server log that mean something went wrong in a session.
LOG_ERROR_RE = re.compile(r"Traceback \(most recent call last\)|^\S*\s*ERROR\b|Uncaught app exception", re.MULTILINE)


def browser_available() -> str | None:
    """None when Chromium, chromedriver and Selenium are there, else what is missing."""
    for p in (CHROMIUM, CHROMEDRIVER):
        if not Path(p).exists():
            return f"{p} not found (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    return None


@dataclass
class Server:
    url: str
    port: int
    log_path: Path
    proc: subprocess.Popen

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_errors(self) -> list[str]:
        text = self.log_text()
        return [text[max(0, m.start() - 200) : m.end() + 600] for m in LOG_ERROR_RE.finditer(text)]


@contextmanager
def serve(home: Path | str, *, port: int | None = None, log_path: Path | None = None,
          env: dict[str, str] | None = None, startup_timeout: float = 90.0) -> Iterator[Server]:
    """Run `griffier ui` on a free localhost port with `home` as index; stop it after."""
    port = port or free_port()
    log_path = Path(log_path or Path(tempfile.mkdtemp(prefix="griffier-ui-")) / "server.log")
    full_env = {**os.environ, **(env or {}), "GRIFFIER_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    cmd = streamlit_command(port, address="127.0.0.1")
    with open(log_path, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(cmd, env=full_env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", port, log_path, proc)
    try:
        if not wait_until_healthy(server.url + "/_stcore/health", proc, startup_timeout):
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{server.log_text()[-3000:]}")
            raise TimeoutError(f"streamlit did not answer on {server.url} within {startup_timeout:.0f} s")
        yield server
    finally:
        stop_process(proc, timeout=10)


def chrome(user_data_dir: Path | str | None = None, *, width: int = 1440, height: int = 1000):
    """A headless Chromium WebDriver with a fresh profile."""
    from selenium import webdriver

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", f"--window-size={width},{height}",
        f"--user-data-dir={user_data_dir or tempfile.mkdtemp(prefix='griffier-chrome-')}",
    ):
        opts.add_argument(flag)
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
    driver = webdriver.Chrome(service=service, options=opts)
    driver.set_page_load_timeout(60)
    return driver


def wait_for(driver, condition, timeout: float, message: str = ""):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.25).until(condition, message)


def app_idle(driver) -> bool:
    """True when no script run is in progress (Streamlit's status widget is gone)."""
    from selenium.webdriver.common.by import By

    return not driver.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]')


def open_app(driver, url: str, path: str = "", *, wait_css: str = "h1", timeout: float = 60.0) -> None:
    from selenium.webdriver.common.by import By

    driver.get(url.rstrip("/") + "/" + path.lstrip("/"))
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, wait_css), timeout, f"{wait_css} on {path or '/'}")
    wait_for(driver, app_idle, timeout, "app still running")


def ask(driver, question: str, *, timeout: float = 180.0):
    """Type `question` in the chat box and wait for the finished answer.

    Returns the WebElement of the answer message. The answer is finished when
    its message holds the chat page's final-answer marker or an error.
    """
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    before = len(driver.find_elements(By.CSS_SELECTOR, MESSAGE))
    # The chat box appears once the page has loaded the index; on a busy 2-core machine that took over 30 s.
    box = wait_for(driver, lambda d: d.find_element(By.CSS_SELECTOR, CHAT_BOX), 90, "chat box")
    box.click()
    box.send_keys(question)
    box.send_keys(Keys.ENTER)

    def done(d):
        msgs = d.find_elements(By.CSS_SELECTOR, MESSAGE)
        if len(msgs) < before + 2:
            return False
        last = msgs[-1]
        finished = last.find_elements(By.CSS_SELECTOR, ".griffier-done") or last.find_elements(
            By.CSS_SELECTOR, '[data-testid="stAlertContentError"], [data-testid="stException"]'
        )
        return last if finished and app_idle(d) else False

    wait_for(driver, done, timeout, f"answer to {question!r}")
    settle(driver)
    return driver.find_elements(By.CSS_SELECTOR, MESSAGE)[-1]


_CONTENT_HEIGHT_JS = (
    "const h = s => { const e = document.querySelector('[data-testid=\"' + s + '\"]');"
    "  return e ? e.scrollHeight : 0; };"
    "return Math.max(h('stAppScrollToBottomContainer'), h('stMainBlockContainer') + h('stBottom'),"
    "  h('stSidebarContent'), document.body.scrollHeight);"
)


def content_height(driver) -> int:
    return int(driver.execute_script(_CONTENT_HEIGHT_JS))


def settle(driver, *, timeout: float = 10.0, quiet: float = 0.6) -> None:
    """Wait until the app is idle and its content height stops changing (the
    last elements of a run are laid out a moment after the run ends)."""
    end = time.monotonic() + timeout
    last, since = -1, time.monotonic()
    while time.monotonic() < end:
        h = content_height(driver) if app_idle(driver) else -1
        if h != last:
            last, since = h, time.monotonic()
        elif h >= 0 and time.monotonic() - since >= quiet:
            return
        time.sleep(0.15)


def set_viewport(driver, width: int, height: int) -> None:
    """Set the page viewport exactly (headless window sizes are capped by the
    virtual screen, so emulate the device metrics instead)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


def full_page_screenshot(driver, path: Path | str, *, width: int = 1440, min_height: int = 900,
                         max_height: int = 5000) -> Path:
    """Screenshot of the whole app. Streamlit scrolls inside its main section,
    so the viewport is grown to the content height first, then restored."""
    set_viewport(driver, width, min_height)
    time.sleep(0.3)
    settle(driver)
    height = content_height(driver)
    set_viewport(driver, width, min(max(int(height), min_height), max_height))
    time.sleep(0.8)  # let Streamlit re-layout (charts, data frames) at the new size
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(path))
    set_viewport(driver, width, min_height)
    return path


@dataclass
class SessionResult:
    question: str
    seconds: float  # from pressing Enter to the finished answer
    ok: bool  # an answer with a source card, no error
    citations: int
    error: str = ""


def ask_in_new_session(url: str, question: str, profile_dir: Path | str, start: threading.Barrier | None = None,
                       *, timeout: float = 240.0, screenshot: Path | None = None) -> SessionResult:
    """Open a fresh browser session, wait at `start` (so sessions ask at once),
    ask `question` and report the outcome."""
    from selenium.webdriver.common.by import By

    driver = chrome(profile_dir)
    try:
        open_app(driver, url)
        if start is not None:
            start.wait(timeout=120)
        t0 = time.perf_counter()
        try:
            msg = ask(driver, question, timeout=timeout)
        except Exception as exc:  # noqa: BLE001 - reported, not raised: the caller sums up all sessions
            return SessionResult(question, time.perf_counter() - t0, False, 0, f"{type(exc).__name__}: {exc}")
        seconds = time.perf_counter() - t0
        errors = msg.find_elements(By.CSS_SELECTOR, '[data-testid="stAlertContentError"], [data-testid="stException"]')
        cites = msg.find_elements(By.CSS_SELECTOR, "a.griffier-cite")
        if screenshot:
            full_page_screenshot(driver, screenshot)
        err = errors[0].text if errors else ""
        return SessionResult(question, seconds, not errors, len(cites), err)
    finally:
        driver.quit()


def concurrent_sessions(url: str, questions: list[str], workdir: Path | str, *, timeout: float = 240.0
                        ) -> list[SessionResult]:
    """One browser session per question, all asking at the same moment."""
    import concurrent.futures
    import threading

    workdir = Path(workdir)
    barrier = threading.Barrier(len(questions))
    with concurrent.futures.ThreadPoolExecutor(len(questions)) as pool:
        futures = [
            pool.submit(ask_in_new_session, url, q, workdir / f"profile-{i}", barrier, timeout=timeout)
            for i, q in enumerate(questions)
        ]
        return [f.result() for f in futures]

"""A hostile document (tests/_hostile.py) ingested for real and shown everywhere
Griffier shows documents: the command line, the .md and .docx exports, and the
web app in a real Streamlit server driven by headless Chromium: chat answer,
source cards, "in context lezen", refusal cards, filters, the documents,
briefing and evaluation pages. Nothing from the document may become an element,
a style, a link or a request; its text must be visible as text.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests import _hostile as H

GRIFFIER = str(Path(sys.executable).with_name("griffier"))
ESC_RE = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")  # C0 (but \t \n) and C1 controls

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hostile_home(tmp_path_factory):
    from corpus.settings import load_settings
    from rag.ingest import ingest_paths

    root = tmp_path_factory.mktemp("hostile")
    H.write_hostile_corpus(root / "docs")
    settings = load_settings({"home": root / "home"}, env={})
    report = ingest_paths([root / "docs"], settings, progress=False)
    assert not report.failed, report.failed
    chunks = list(_store(settings).chunks())
    # the payloads really are in the stored fields the pages show
    assert any(H.FORM in (c.section or "") for c in chunks)
    assert any(H.FORM in str(c.metadata.get("fractie")) for c in chunks)
    assert all(c.doc_id == H.FILE_STEM for c in chunks)
    assert any(H.IMG in c.text and H.MD_IMAGE in c.text for c in chunks)
    return settings


def _store(settings):
    from corpus.store import ChunkStore

    return ChunkStore(settings.home)


# -- command line and exports ---------------------------------------------------------

def _run(settings, *args, timeout=300):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIFFIER_")}
    return subprocess.run([GRIFFIER, "--home", str(settings.home), *args], capture_output=True, timeout=timeout,
                          env=env, check=False)


def test_cli_prints_no_escape_codes_or_control_characters(hostile_home, tmp_path):
    runs = {
        "ingest": _run(hostile_home, "ingest", str(hostile_home.home.parent / "docs"), "--no-progress"),
        "documents": _run(hostile_home, "documents"),
        "search": _run(hostile_home, "search", H.QUESTION),
        "ask": _run(hostile_home, "ask", H.QUESTION),
        "ask-refused": _run(hostile_home, "ask", H.UNANSWERABLE),
        "brief": _run(hostile_home, "brief", H.TOPIC, "-o", str(tmp_path / "n.md")),
        "remove-missing": _run(hostile_home, "remove", H.FILE_STEM + "x"),
    }
    for name, p in runs.items():
        assert p.returncode in (0, 2), (name, p.returncode, p.stderr[-2000:])
        for stream in (p.stdout, p.stderr):
            assert not ESC_RE.search(stream), (name, ESC_RE.search(stream), stream[-1500:])
    ask = runs["ask"].stdout.decode()
    assert "12 miljoen euro" in ask and H.IMG in ask and "ROOD" in ask  # the text, as text
    assert "[1]" in ask and "zeewier <img" in runs["documents"].stdout.decode()
    # a file name with a newline cannot start a fake output line
    assert all(line.startswith(("status", "unchanged", "added", "1 files")) for line in
               runs["ingest"].stdout.decode().splitlines()), runs["ingest"].stdout


def test_markdown_and_word_exports_keep_document_text_as_text(hostile_home, tmp_path):
    import docx
    from markdown_it import MarkdownIt

    from rag.briefing import draft_briefing
    from rag.export import briefing_markdown, write_briefing_docx

    b = draft_briefing(H.TOPIC, hostile_home.replace(llm_backend="extractive"))
    data = json.loads(json.dumps(b.to_dict()))  # the `brief --json` object, as a client would get it
    assert any(s["lines"] for s in data["sections"])
    shown = [ln["text"] for s in data["sections"] for ln in s["lines"]] + [src["citation"] for src in data["sources"]]
    assert any(H.IMG in t for t in shown), shown  # a hostile sentence or the hostile title is in the note
    md = briefing_markdown(data)
    assert b.to_markdown() == md
    assert "\x1b" not in md and "\x07" not in md
    out = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(md)
    tags = {t.lower() for t in re.findall(r"<\s*([a-zA-Z][\w-]*)", out)}
    assert tags <= {"h1", "h2", "h3", "p", "em", "strong", "ul", "li"}, tags
    assert "&lt;img src=http" in out and "![x](http" in H.visible(out)  # shown, not rendered

    path = write_briefing_docx(data, tmp_path / "n.docx")
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert "zeewierkwekerij" in text and "\x1b" not in text and "<img src=http" in text
    cli = _run(hostile_home, "brief", H.TOPIC, "-o", str(tmp_path / "cli.docx"))
    assert cli.returncode == 0, cli.stderr[-2000:]
    assert docx.Document(str(tmp_path / "cli.docx")).paragraphs[0].text.startswith("Notitie: ")


# -- the web app in Chromium ------------------------------------------------------------

# Every way a payload could have become live, checked on the whole DOM and on
# the browser's own record of the requests it made.
_INJECTION_JS = r"""
const out = [];
const remote = s => /127\.0\.0\.1:9|evil\.example/.test(s || "");
document.querySelectorAll("form").forEach(f => { if (remote(f.getAttribute("action"))) out.push("form " + f.outerHTML.slice(0, 120)); });
document.querySelectorAll("input[name=wachtwoord], input[placeholder=wachtwoord]").forEach(e => out.push("input " + e.outerHTML));
document.querySelectorAll("iframe, frame, object, embed").forEach(e => out.push("frame " + e.outerHTML.slice(0, 120)));
document.querySelectorAll("img, source, video, audio").forEach(e => {
  const src = e.getAttribute("src") || "";
  if (/^(https?:)?\/\//.test(src) && !src.startsWith(location.origin)) out.push("remote media " + src);
});
document.querySelectorAll("a[href]").forEach(a => { if (remote(a.getAttribute("href"))) out.push("link " + a.getAttribute("href")); });
document.querySelectorAll("style").forEach(s => { if (/background\s*:\s*red/.test(s.textContent)) out.push("style " + s.textContent.slice(0, 80)); });
document.querySelectorAll("script").forEach(s => { if (/pwned/.test(s.textContent)) out.push("script"); });
document.querySelectorAll("[style]").forEach(e => { if (/99999/.test(e.getAttribute("style"))) out.push("overlay " + e.outerHTML.slice(0, 120)); });
document.querySelectorAll(".katex, math").forEach(e => out.push("latex " + e.textContent.slice(0, 40)));
document.querySelectorAll("b, strong, em, code, h1, h2, h3").forEach(e => { if (/^(vet|nadruk|code|Kop)$/.test(e.textContent.trim())) out.push("markup " + e.outerHTML.slice(0, 80)); });
const bg = getComputedStyle(document.body).backgroundColor;
if (bg === "rgb(255, 0, 0)") out.push("body background " + bg);
if (document.title === "pwned") out.push("title " + document.title);
performance.getEntriesByType("resource").forEach(r => { if (remote(r.name)) out.push("request " + r.name); });
const ctl = document.documentElement.outerHTML.match(/.{0,60}[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/);
if (ctl) {
  const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let where = "";
  while (w.nextNode()) { if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(w.currentNode.data)) {
    const p = w.currentNode.parentElement; where = (p.closest("[data-testid]") || p).getAttribute("data-testid") || p.tagName; break; } }
  out.push("control character in " + (where || "an attribute") + " after " + ctl[0]);
}
return out;
"""


def _injected(driver) -> list[str]:
    return driver.execute_script(_INJECTION_JS)


def _main_text(driver) -> str:
    from selenium.webdriver.common.by import By

    return H.visible(driver.find_element(By.CSS_SELECTOR, '[data-testid="stApp"]').text)


@pytest.fixture(scope="module")
def server(hostile_home, tmp_path_factory):
    from tests._browser import served

    yield from served(hostile_home.home, tmp_path_factory.mktemp("hostile_ui"))


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    from tests._browser import driven

    yield from driven(tmp_path_factory.mktemp("hostile_chrome"))


@pytest.mark.browser
def test_chat_deep_link_works_even_as_the_first_request_of_a_fresh_server(hostile_home, driver, tmp_path):
    from selenium.webdriver.common.by import By

    from ui import browser

    with browser.serve(hostile_home.home, log_path=tmp_path / "server.log") as fresh:
        for path in ("chat", "", "briefing", "chat"):
            browser.open_app(driver, fresh.url, path)
            browser.settle(driver)
            want = "Briefing" if path == "briefing" else "Griffier"
            assert driver.find_element(By.CSS_SELECTOR, "h1").text.startswith(want), path
            assert "not found" not in _main_text(driver).lower(), path
            if path != "briefing":  # one address for the chat: / goes to /chat
                assert driver.current_url.rstrip("/").endswith("/chat"), driver.current_url
                assert driver.find_elements(By.CSS_SELECTOR, browser.CHAT_BOX)
            nav = driver.find_element(By.CSS_SELECTOR, '[data-testid="stSidebarNav"]').text.split("\n")
            assert [x for x in nav if x in ("Chat", "Briefing", "Documenten", "Evaluatie")] == [
                "Chat", "Briefing", "Documenten", "Evaluatie"], nav  # our navigation, not the pages/ folder's
        assert not fresh.log_errors(), fresh.log_errors()


@pytest.mark.browser
def test_answer_sources_and_context_view_show_payloads_as_text(server, driver, tmp_path):
    from selenium.webdriver.common.by import By

    from ui import browser

    browser.open_app(driver, server.url, "chat")
    msg = browser.ask(driver, H.QUESTION)
    try:
        assert msg.find_elements(By.CSS_SELECTOR, "a.griffier-cite"), msg.text[:500]
        expanders = [e for e in msg.find_elements(By.CSS_SELECTOR, '[data-testid="stExpander"]')
                     if "in context lezen" in e.text]
        assert expanders, msg.text[:500]
        expanders[0].find_element(By.CSS_SELECTOR, "summary").click()
        browser.wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".griffier-context"), 30, "context view")
        browser.settle(driver)
        assert _injected(driver) == []
        text = _main_text(driver)
        context = H.visible(driver.find_element(By.CSS_SELECTOR, ".griffier-context").text)
        # the section heading and fractie (the password form) are in the context view, as text
        assert H.FORM in context and "fractie" in context, context[:600]
        for payload in (H.IMG, H.MD_IMAGE, H.MD_LINK, H.LATEX, "12 miljoen euro"):
            assert H.visible(payload) in text, payload
        assert "zeewier <img src=http" in text  # the file name (doc_id) in the source's meta line
    finally:
        browser.full_page_screenshot(driver, tmp_path / "hostile-chat.png")
    assert not server.log_errors(), server.log_errors()


@pytest.mark.browser
def test_refusal_cards_and_filters_show_payloads_as_text(server, driver):
    from selenium.webdriver.common.by import By

    from ui import browser

    browser.open_app(driver, server.url, "chat")
    msg = browser.ask(driver, H.UNANSWERABLE)
    assert "Dichtstbijzijnde passages" in msg.text, msg.text[:500]
    cards = msg.find_elements(By.CSS_SELECTOR, ".griffier-source")
    assert cards
    assert "zeewierkwekerij" in " ".join(c.text for c in cards)
    assert _injected(driver) == []
    # the fractie filter lists the payload as an option
    fractie = [e for e in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stMultiSelect"]') if "Fractie" in e.text]
    assert fractie
    fractie[0].find_element(By.CSS_SELECTOR, 'input[role="combobox"]').click()
    browser.wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, '[role="option"]'), 20, "fractie options")
    options = " ".join(o.text for o in driver.find_elements(By.CSS_SELECTOR, '[role="option"]'))
    assert "<form action=" in H.visible(options), options
    assert _injected(driver) == []
    assert not server.log_errors(), server.log_errors()


@pytest.mark.browser
def test_briefing_page_renders_the_note_escaped(server, driver, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from ui import browser

    browser.open_app(driver, server.url, "briefing")
    box = browser.wait_for(driver, lambda d: d.find_element(By.CSS_SELECTOR, 'input[aria-label="Onderwerp"]'), 30, "topic")
    box.send_keys(H.TOPIC)
    box.send_keys(Keys.ENTER)  # submits the form
    browser.wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".griffier-briefing"), 180, "briefing")
    browser.settle(driver)
    try:
        assert _injected(driver) == []
        note = H.visible(driver.find_element(By.CSS_SELECTOR, ".griffier-briefing").text)
        assert "Samenvatting" in note and "Bronnen" in note
        assert H.IMG in note, note[:800]  # in a line or in the source's title
        assert driver.find_elements(By.CSS_SELECTOR, ".griffier-briefing a.griffier-cite")
    finally:
        browser.full_page_screenshot(driver, tmp_path / "hostile-briefing.png")
    assert not server.log_errors(), server.log_errors()


@pytest.mark.browser
def test_evaluation_page_shows_a_hostile_result_as_text(server, driver, tmp_path):
    from selenium.webdriver.common.by import By

    from ui import browser

    result = {
        "n_questions": 1, "metrics": {"hit@1": 1.0},
        "per_question": [{"id": "h1", "question": f"Vraag {H.IMG} {H.MD_LINK}", "type": f"t {H.MD_IMAGE}",
                          "doc": H.FILE_STEM, "hit@1": 1, "answer": f"Antwoord {H.FORM} {H.MD_IMAGE} {H.LATEX} [1]"}],
    }
    path = tmp_path / f"resultaat {H.IMG.replace('/', '_')}.json"
    path.write_text(json.dumps(result), encoding="utf-8")
    browser.open_app(driver, server.url, "evaluatie")
    inputs = browser.wait_for(driver, lambda d: [i for i in d.find_elements(By.CSS_SELECTOR, 'input[type="file"]')
                                                 if (i.get_attribute("accept") or "").endswith(",.json")], 30, "uploader")
    target = inputs[0]
    target.send_keys(str(path))
    browser.wait_for(driver, lambda d: "Resultaat:" in d.find_element(By.CSS_SELECTOR, "body").text, 60, "result")
    # the per-question table renders after the heading above it; read the page once its row is there
    browser.wait_for(driver, lambda d: H.visible(H.IMG) in _main_text(d), 30, "per-question row")
    browser.settle(driver)
    assert _injected(driver) == []
    text = _main_text(driver)
    for payload in (H.IMG, H.MD_LINK, H.FORM, H.MD_IMAGE, H.LATEX):
        assert H.visible(payload) in text, payload
    assert not server.log_errors(), server.log_errors()


@pytest.mark.browser
def test_documents_page_and_upload_notice_show_payloads_as_text(server, driver, tmp_path):
    from selenium.webdriver.common.by import By

    from ui import browser

    browser.open_app(driver, server.url, "documenten", wait_css='[data-testid="stDataFrame"]')
    browser.wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, 'input[aria-label="Document"]'), 30, "remove form")
    assert _injected(driver) == []
    assert "1 documenten" in _main_text(driver)
    chosen = driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Document"]').get_attribute("value")
    assert chosen.startswith("zeewier <img src=http") and "— Zeewier <b>vet</b>" in chosen  # doc_id — title, as text
    # upload: the notice names the file; the copy under uploads/ is a new document
    up = tmp_path / "upload"
    src = H.write_hostile_corpus(up)
    driver.find_element(By.CSS_SELECTOR, 'input[type="file"]').send_keys(str(src))
    browser.wait_for(driver, lambda d: "verwerken" not in d.find_element(By.CSS_SELECTOR, "body").text
                     and d.find_elements(By.CSS_SELECTOR, '[data-testid="stFileChip"]'), 60, "file listed")
    next(b for b in driver.find_elements(By.CSS_SELECTOR, "button") if "Toevoegen aan de index" in b.text).click()
    browser.wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="stAlertContentSuccess"]')
                     or d.find_elements(By.CSS_SELECTOR, '[data-testid="stAlertContentError"]'), 180, "upload notice")
    browser.settle(driver)
    assert _injected(driver) == []
    assert "toegevoegd" in _main_text(driver)
    assert not server.log_errors(), server.log_errors()


def test_streamlit_config_listens_on_loopback_when_run_by_hand(tmp_path):
    """`streamlit run app.py` in ui/ (what ui/.streamlit/config.toml is for) binds 127.0.0.1 only."""
    import tomllib

    from ui.processes import free_port, stop_process, wait_until_healthy

    ui_dir = Path(__file__).resolve().parent.parent / "ui"
    assert tomllib.loads((ui_dir / ".streamlit" / "config.toml").read_text())["server"]["address"] == "127.0.0.1"
    port = free_port()
    env = {**os.environ, "GRIFFIER_HOME": str(tmp_path / "home")}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
                            cwd=ui_dir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        assert wait_until_healthy(f"http://127.0.0.1:{port}/_stcore/health", proc, 90), "streamlit did not start"
        listening = _listening_addresses(port)
        assert listening == {"127.0.0.1"}, listening
    finally:
        stop_process(proc, timeout=10)


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of the sockets listening on `port` (from /proc/net/tcp and tcp6)."""
    import ipaddress

    found = set()
    for name in ("tcp", "tcp6"):
        try:
            lines = Path(f"/proc/net/{name}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            addr_hex, port_hex = local.split(":")
            if state != "0A" or int(port_hex, 16) != port:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(addr_hex)
            # /proc prints each 32-bit word in host (little-endian) order
            raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            found.add(str(ipaddress.ip_address(raw)))
    return found

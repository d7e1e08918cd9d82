"""The web app as a fractie office, end to end: a real `griffier ui` server (Streamlit) on a home
with accounts and two collections (tests/_office.py, plus the hostile document of tests/_hostile.py
in collection a), driven by headless Chromium.

Login, a reader who never sees collection b, no upload for a reader, feedback stored from the
page, a conversation that survives a reload and a server restart, and document text, a feedback
comment and a conversation title carrying `<img src=... onerror=...>` shown as text.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests import _hostile as H
from tests._browser import driven, served
from tests._office import DOC_IDS, MARKERS_B
from tests.test_hostile_documents import _INJECTION_JS
from ui import browser

pytestmark = [pytest.mark.slow, pytest.mark.browser]

XSS = "<img src=x onerror=alert(1)>"
# Beyond the hostile-document checks: any element with an inline handler, or an image aimed at "x".
_HANDLER_JS = """
const out = [];
document.querySelectorAll("[onerror], [onload], [onclick], img[src='x']").forEach(e => out.push(e.outerHTML.slice(0, 120)));
return out;
"""
LOGIN_CSS = 'input[aria-label="Gebruikersnaam"]'
# A new browser session shows the login form, a logged-in one the chat box; the page title comes before either.
CHAT_OR_LOGIN = browser.CHAT_BOX + ", " + LOGIN_CSS
B_QUESTION = "Wat is het plan om de uitstoot van de landbouw voor 2030 te verminderen?"


@pytest.fixture(scope="module")
def office_settings(tmp_path_factory):
    from rag.ingest import ingest_paths
    from tests._office import build_office_home

    root = tmp_path_factory.mktemp("ui_accounts")
    settings = build_office_home(root)
    H.write_hostile_corpus(root / "hostile")
    report = ingest_paths([root / "hostile"], settings, progress=False, collection="a")
    assert report.ok, report.to_dict()
    return settings


@pytest.fixture(scope="module")
def server(office_settings, tmp_path_factory):
    yield from served(office_settings.home, tmp_path_factory.mktemp("ui_accounts_log"))


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    yield from driven(tmp_path_factory.mktemp("ui_accounts_chrome"))


def _by():
    from selenium.webdriver.common.by import By

    return By


def _text(driver) -> str:
    return H.visible(driver.find_element(_by().CSS_SELECTOR, '[data-testid="stApp"]').text)


def _injected(driver) -> list[str]:
    return driver.execute_script(_INJECTION_JS) + driver.execute_script(_HANDLER_JS)


def _click(driver, element) -> None:
    """Click `element` after scrolling it to the middle (the chat box covers the bottom of the page)."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def _click_button(driver, label: str, scope=None):
    scope = scope or driver
    buttons = [b for b in scope.find_elements(_by().CSS_SELECTOR, "button") if b.text.strip() == label]
    assert buttons, (label, [b.text for b in scope.find_elements(_by().CSS_SELECTOR, "button")][:40])
    _click(driver, buttons[-1])


def _login(driver, name: str, password: str, *, expect_ok: bool = True) -> None:
    By = _by()
    from selenium.webdriver.common.keys import Keys

    browser.wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, 'input[aria-label="Wachtwoord"]'), 60, "login form")
    browser.wait_for(driver, browser.app_idle, 60, "app idle")
    box = driver.find_element(By.CSS_SELECTOR, LOGIN_CSS)
    for field, value in ((box, name), (driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Wachtwoord"]'), password)):
        field.send_keys(Keys.CONTROL, "a")  # WebElement.clear() is undone by React
        field.send_keys(Keys.DELETE)
        field.send_keys(value)
    _click_button(driver, "Inloggen")
    if expect_ok:
        browser.wait_for(driver, lambda d: not d.find_elements(By.CSS_SELECTOR, LOGIN_CSS)
                         and "Uitloggen" in d.find_element(By.CSS_SELECTOR, "body").text, 60, "logged in")
    else:
        browser.wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="stAlertContentError"]'),
                         60, "login error")
    browser.settle(driver)


def _conversation_id(driver) -> str:
    return parse_qs(urlsplit(driver.current_url).query).get("gesprek", [""])[0]


def test_login_required_and_wrong_password_refused(server, driver):
    By = _by()
    browser.open_app(driver, server.url, "chat", wait_css=LOGIN_CSS)
    assert not driver.find_elements(By.CSS_SELECTOR, browser.CHAT_BOX), "the chat must not show before login"
    assert "Documenten" not in driver.find_element(By.CSS_SELECTOR, "body").text  # no navigation either
    _login(driver, "anna", "verkeerd-wachtwoord", expect_ok=False)
    assert "Onbekende gebruikersnaam of verkeerd wachtwoord." in _text(driver)
    assert not driver.find_elements(By.CSS_SELECTOR, browser.CHAT_BOX)
    _login(driver, "anna", "anna-wachtwoord")
    assert driver.find_elements(By.CSS_SELECTOR, browser.CHAT_BOX)
    assert "Ingelogd als anna (lezer)" in _text(driver)
    assert not server.log_errors(), server.log_errors()


def test_reader_sees_only_collection_a_and_rates_an_answer(server, driver, office_settings, tmp_path):
    from ui.office import Office

    By = _by()
    if not driver.find_elements(By.CSS_SELECTOR, browser.CHAT_BOX):
        browser.open_app(driver, server.url, "chat", wait_css=LOGIN_CSS)
        _login(driver, "anna", "anna-wachtwoord")
    msg = browser.ask(driver, f"{XSS} {B_QUESTION}")  # the payload starts the conversation's title
    try:
        text = _text(driver)
        assert not [m for m in MARKERS_B if m in text], [m for m in MARKERS_B if m in text]
        assert f"{XSS} {B_QUESTION}" in text  # the question as text
        sidebar = H.visible(driver.find_element(By.CSS_SELECTOR, '[data-testid="stSidebar"]').text)
        assert f"{XSS} {B_QUESTION[:10]}" in sidebar, sidebar  # and the conversation title
        assert _injected(driver) == []
        # the documents filter offers a's documents only
        docs_filter = next(e for e in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stMultiSelect"]')
                           if "Documenten" in e.text)
        docs_filter.find_element(By.CSS_SELECTOR, 'input[role="combobox"]').click()
        browser.wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, '[role="option"]'), 20, "options")
        options = " ".join(o.text for o in driver.find_elements(By.CSS_SELECTOR, '[role="option"]'))
        assert "windenergie_notitie" in options and not [d for d in DOC_IDS["b"] if d in options], options
        driver.find_element(By.CSS_SELECTOR, "h1").click()  # close the list
        # thumbs down with a comment
        comment = f"Klopt niet {XSS}"
        msg = driver.find_elements(By.CSS_SELECTOR, browser.MESSAGE)[-1]
        _click(driver, msg.find_element(By.CSS_SELECTOR, 'button[aria-label="Thumbs down"]'))
        box = msg.find_element(By.CSS_SELECTOR, 'input[placeholder="Toelichting bij uw beoordeling (optioneel)"]')
        _click(driver, box)
        box.send_keys(comment)
        _click_button(driver, "Feedback geven", msg)
        browser.wait_for(driver, lambda d: "Bedankt voor uw feedback" in d.find_element(By.CSS_SELECTOR, "body").text,
                         60, "feedback stored")
        browser.settle(driver)
        assert f"Uw beoordeling: duim omlaag — {comment}" in _text(driver)
        assert _injected(driver) == []
    finally:
        browser.full_page_screenshot(driver, tmp_path / "office-chat.png")
    office = Office(office_settings)
    (fb,) = [f for f in office.list_feedback(office.get_user("root")) if f.username == "anna"]
    assert (fb.rating, fb.comment, fb.question) == (-1, comment, f"{XSS} {B_QUESTION}")
    assert fb.turn_id and not {c["doc_id"] for c in fb.answer["citations"]} - DOC_IDS["a"] - {H.FILE_STEM}
    assert [e.source for e in office.audit_events(action="feedback", user="anna")] == ["web"]
    assert not server.log_errors(), server.log_errors()


def test_hostile_document_in_a_is_shown_as_text(server, driver):
    # Checking for the login form right after the title missed it once in CI (the chat box never came).
    browser.open_app(driver, server.url, "chat", wait_css=CHAT_OR_LOGIN)
    if driver.find_elements(_by().CSS_SELECTOR, LOGIN_CSS):
        _login(driver, "anna", "anna-wachtwoord")
    msg = browser.ask(driver, H.QUESTION)
    assert msg.find_elements(_by().CSS_SELECTOR, "a.griffier-cite"), msg.text[:500]
    assert _injected(driver) == []
    text = _text(driver)
    for payload in (H.IMG, H.MD_IMAGE, "12 miljoen euro"):
        assert H.visible(payload) in text, payload


def test_reader_has_no_upload_or_remove(server, driver):
    By = _by()
    browser.open_app(driver, server.url, "documenten", wait_css='[data-testid="stDataFrame"], ' + LOGIN_CSS)
    if driver.find_elements(By.CSS_SELECTOR, LOGIN_CSS):
        _login(driver, "anna", "anna-wachtwoord")  # the deep link leads to the page once logged in
        browser.wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="stDataFrame"]'), 60, "table")
        browser.settle(driver)
    assert driver.find_element(By.CSS_SELECTOR, "h1").text.startswith("Documenten")
    text = _text(driver)
    assert "3 documenten" in text, text[:800]  # a's two and the hostile one; b's two are not counted
    assert "toevoegen en verwijderen is voor redacteuren" in text
    assert not driver.find_elements(By.CSS_SELECTOR, 'input[type="file"]')
    assert not [b for b in driver.find_elements(By.CSS_SELECTOR, "button") if b.text.strip() == "Verwijderen"]
    assert _injected(driver) == []


def test_conversation_survives_reload_and_server_restart(server, driver, office_settings, tmp_path):
    By = _by()
    browser.open_app(driver, server.url, "chat", wait_css=CHAT_OR_LOGIN)
    if driver.find_elements(By.CSS_SELECTOR, LOGIN_CSS):
        _login(driver, "anna", "anna-wachtwoord")
    question = "Hoeveel patrouilleschepen krijgt de kustwacht in 2027?"
    browser.ask(driver, question)
    cid = _conversation_id(driver)
    assert re.fullmatch(r"[0-9a-f]{32}", cid), driver.current_url
    # reload: a new session, which logs in again and finds the conversation through the URL
    driver.refresh()
    _login(driver, "anna", "anna-wachtwoord")
    browser.wait_for(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, browser.MESSAGE)) >= 2, 60, "restored")
    assert question in _text(driver) and _conversation_id(driver) == cid
    assert driver.find_elements(By.CSS_SELECTOR, ".griffier-source")  # the stored answer's sources
    # restart: another server process on the same home
    with browser.serve(office_settings.home, log_path=tmp_path / "restart.log") as again:
        browser.open_app(driver, again.url, f"chat?gesprek={cid}", wait_css=LOGIN_CSS)
        _login(driver, "anna", "anna-wachtwoord")
        browser.wait_for(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, browser.MESSAGE)) >= 2, 60,
                         "restored after restart")
        text = _text(driver)
        assert question in text and "patrouilleschepen" in text
        # the sidebar lists her conversations, titles as text
        sidebar = H.visible(driver.find_element(By.CSS_SELECTOR, '[data-testid="stSidebar"]').text)
        assert "Gesprekken" in sidebar and question[:40] in sidebar and f"{XSS} {B_QUESTION[:10]}" in sidebar
        assert _injected(driver) == []
        assert not again.log_errors(), again.log_errors()


def test_evaluation_page_shows_feedback_comment_as_text(server, driver):
    By = _by()
    browser.open_app(driver, server.url, "evaluatie", wait_css=LOGIN_CSS)  # a new browser session: log in
    _login(driver, "bert", "bert-wachtwoord")  # editor of a: sees anna's feedback on a
    browser.wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="stDataFrame"]'), 60, "table")
    browser.settle(driver)
    text = _text(driver)
    assert "Feedback op antwoorden" in text and f"Toelichting van anna: Klopt niet {XSS}" in text, text[-1500:]
    assert "Exporteren als kandidaat-gouden vragen" in text
    assert _injected(driver) == []
    assert not server.log_errors(), server.log_errors()


def test_without_accounts_a_foreign_host_name_is_refused(tmp_path):
    """DNS rebinding: a page of another site, resolving to 127.0.0.1, may not use the no-login mode."""
    from selenium import webdriver

    By = _by()
    opts = webdriver.ChromeOptions()
    opts.binary_location = browser.CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--host-resolver-rules=MAP griffier.example 127.0.0.1", f"--user-data-dir={tmp_path / 'chrome'}"):
        opts.add_argument(flag)
    d = webdriver.Chrome(service=webdriver.ChromeService(executable_path=browser.CHROMEDRIVER), options=opts)
    try:
        with browser.serve(tmp_path / "home", log_path=tmp_path / "server.log") as srv:
            d.get(f"http://griffier.example:{srv.port}/")
            browser.wait_for(d, lambda x: x.find_elements(By.CSS_SELECTOR, '[data-testid="stAlertContentError"]'),
                             60, "refusal")
            assert "alleen op deze computer" in d.find_element(By.CSS_SELECTOR, "body").text
            assert "griffier.example" in d.find_element(By.CSS_SELECTOR, "body").text
            assert not d.find_elements(By.CSS_SELECTOR, browser.CHAT_BOX)
            browser.open_app(d, srv.url, "chat", wait_css=browser.CHAT_BOX)  # 127.0.0.1 itself is served
    finally:
        d.quit()

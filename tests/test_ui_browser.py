"""End to end: the real `griffier ui` server on the demo index, driven by headless
Chromium (Debian's chromium + chromium-driver, Selenium 4).

One server for the module; the whole file stays well under 4 minutes.
"""

from __future__ import annotations

import json
import re

import pytest

from tests._browser import driven, served
from ui import browser

pytestmark = [pytest.mark.slow, pytest.mark.browser]



@pytest.fixture(scope="module")
def server(demo_home, tmp_path_factory):
    yield from served(demo_home.home, tmp_path_factory.mktemp("ui_server"))


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    yield from driven(tmp_path_factory.mktemp("chrome_profile"))


def _norm(s: str) -> str:
    return " ".join(s.split()).lower()


def _answerable(devset, n):
    return [q for q in devset if q["doc"]][:n]


def test_chat_answers_with_visible_citation_and_highlighted_quote(server, driver, devset, demo_home, tmp_path):
    from selenium.webdriver.common.by import By

    from corpus.store import ChunkStore

    q = _answerable(devset, 1)[0]
    browser.open_app(driver, server.url)
    msg = browser.ask(driver, q["question"])
    try:
        markers = [a for a in msg.find_elements(By.CSS_SELECTOR, "a.griffier-cite") if a.is_displayed()]
        assert markers, f"no visible citation marker in: {msg.text[:500]}"
        href = markers[0].get_attribute("href")
        n = int(re.search(r"-(\d+)$", href).group(1))
        card = msg.find_element(By.CSS_SELECTOR, f"#{href.split('#')[1]}")
        assert card.is_displayed()
        marks = [m for m in card.find_elements(By.CSS_SELECTOR, "mark") if m.is_displayed()]
        assert marks and marks[0].text.strip(), "the cited quote is not highlighted"
        # the highlighted quote is really in the cited document
        doc_ids = {c.doc_id for c in ChunkStore(demo_home.home).chunks() if _norm(marks[0].text) in _norm(c.text)}
        assert doc_ids, f"highlighted quote {marks[0].text!r} is in no stored chunk"
        assert card.find_element(By.CSS_SELECTOR, ".griffier-source-head").text.startswith(f"[{n}]")
        markers[0].click()
        assert driver.current_url.endswith(href.split("/")[-1])
    finally:
        shot = browser.full_page_screenshot(driver, tmp_path / "chat.png")
    assert shot.stat().st_size > 10_000
    assert not server.log_errors(), server.log_errors()


def test_follow_up_in_same_session_and_other_pages(server, driver, devset):
    from selenium.webdriver.common.by import By

    n_before = len(driver.find_elements(By.CSS_SELECTOR, browser.MESSAGE))
    if n_before == 0:
        browser.open_app(driver, server.url)
        browser.ask(driver, _answerable(devset, 1)[0]["question"])
    msg = browser.ask(driver, "En wat zegt het kabinet daar verder over?")
    assert msg.find_elements(By.CSS_SELECTOR, ".griffier-source")
    assert len(driver.find_elements(By.CSS_SELECTOR, browser.MESSAGE)) >= 4

    browser.open_app(driver, server.url, "documenten", wait_css='[data-testid="stDataFrame"]')
    assert "5 documenten" in driver.find_element(By.CSS_SELECTOR, '[data-testid="stMain"]').text
    browser.open_app(driver, server.url, "briefing")
    assert driver.find_element(By.CSS_SELECTOR, "h1").text.startswith("Briefing")
    browser.open_app(driver, server.url, "evaluatie")
    assert driver.find_element(By.CSS_SELECTOR, "h1").text.startswith("Evaluatie")
    assert not server.log_errors(), server.log_errors()


def test_five_sessions_asking_at_once_all_get_answers(server, devset, tmp_path):
    questions = [q["question"] for q in _answerable(devset, 5)]
    results = browser.concurrent_sessions(server.url, questions, tmp_path)
    summary = json.dumps([r.__dict__ for r in results], ensure_ascii=False, indent=1)
    assert all(r.ok for r in results), summary
    assert all(r.citations > 0 for r in results), summary
    assert not server.log_errors(), server.log_errors()

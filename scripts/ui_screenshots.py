"""Take the screenshots in docs/screenshots/ from the real app on the demo corpus.

    .venv/bin/python scripts/ui_screenshots.py [--home DIR] [--out docs/screenshots]

Starts `griffier ui` on a free port, asks a dev-set question, drafts a briefing,
opens the documents page and runs the evaluation page on the dev set.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from selenium.webdriver.common.by import By

    from corpus.settings import load_settings
    from ui import browser

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    ap.add_argument("--skip-eval", action="store_true", help="do not run the evaluation (slow)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="griffier-shots-"))
    home = args.home
    if home is None:
        from rag.ingest import ingest_paths

        home = work / "home"
        ingest_paths([ROOT / "corpus" / "demo"], load_settings({"home": home}, env={}), progress=True)

    with browser.serve(home, log_path=work / "server.log") as srv:
        d = browser.chrome(work / "profile", width=1440, height=1000)
        try:
            browser.open_app(d, srv.url)
            browser.ask(d, "Welke rechtsgronden voor geweldgebruik door staten erkent het kabinet?")
            browser.ask(d, "En welke aanbevelingen deed de expertgroep over humanitaire interventie?")
            print(browser.full_page_screenshot(d, args.out / "chat.png"))

            browser.open_app(d, srv.url, "briefing")
            box = d.find_element(By.CSS_SELECTOR, 'input[aria-label="Onderwerp"]')
            box.send_keys("humanitaire interventie zonder mandaat van de VN-Veiligheidsraad")
            d.find_element(By.XPATH, "//button[.//p[contains(., 'Briefing opstellen')]]").click()
            browser.wait_for(d, lambda x: x.find_elements(By.XPATH, "//button[.//p[contains(., 'Download .docx')]]")
                             or x.find_elements(By.CSS_SELECTOR, '[data-testid="stAlertContentError"]'), 300, "briefing")
            browser.wait_for(d, browser.app_idle, 60)
            print(browser.full_page_screenshot(d, args.out / "briefing.png"))

            browser.open_app(d, srv.url, "documenten", wait_css='[data-testid="stDataFrame"]')
            time.sleep(1)
            print(browser.full_page_screenshot(d, args.out / "documents.png"))

            browser.open_app(d, srv.url, "evaluatie")
            if not args.skip_eval:
                d.find_element(By.XPATH, "//button[.//p[contains(., 'Evaluatie starten')]]").click()
                browser.wait_for(d, lambda x: x.find_elements(By.XPATH, "//*[contains(., 'Per vraag')]")
                                 and browser.app_idle(x), 600, "evaluation")
                time.sleep(2)
            print(browser.full_page_screenshot(d, args.out / "evaluation.png"))
        finally:
            d.quit()
        errors = srv.log_errors()
    print(f"server log errors: {len(errors)}", *errors[:3], sep="\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

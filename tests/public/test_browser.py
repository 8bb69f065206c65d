"""A real browser on the public pages: headless Chromium from the system's packages (Debian's chromium and
chromium-driver; .ci/run installs them when missing) driven by selenium, against the real `twinbot run`
process. It loads / and a town page, checks the towns are visible and the page fetched nothing, and saves
screenshots whose paths it prints (kept as CI artifacts under .artifacts/)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import RunningBot, finish
from tests.e2e.fake_bot_api import FakeBotApi

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(os.environ.get("TWINBOT_ARTIFACTS", Path(__file__).resolve().parents[2] / ".artifacts"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")

webdriver = pytest.importorskip(
    "selenium.webdriver", reason="selenium is not installed (pip install -e .[test])"
)
if CHROMIUM is None or DRIVER is None:
    pytest.skip(
        "headless Chromium is not installed: apt-get install chromium chromium-driver (.ci/run does it)",
        allow_module_level=True,
    )


@pytest.fixture
def browser() -> Iterator[object]:
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1200,1800",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(DRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[RunningBot]:
    server = FakeBotApi().start()
    running = RunningBot(server, tmp_path, mode="polling", http=["public = true"]).start()
    try:
        yield running
        finish(running)
    finally:
        running.kill()
        server.stop()


def test_the_towns_are_visible_in_a_real_browser(bot: RunningBot, browser: object) -> None:
    from selenium.webdriver.common.by import By

    driver = browser  # a selenium WebDriver
    base = f"http://127.0.0.1:{bot.port}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    driver.get(f"{base}/?lang=en")  # type: ignore[attr-defined]
    assert driver.title.startswith("Partner towns")  # type: ignore[attr-defined]
    links = driver.find_elements(By.CSS_SELECTOR, "tbody a")  # type: ignore[attr-defined]
    shown = {link.text for link in links if link.is_displayed() and link.size["width"] > 0}
    assert {"Narva", "Sassnitz", "Narvik", "Raisio", "Renhuai"} <= shown
    svg = driver.find_element(By.CSS_SELECTOR, "figure svg")  # type: ignore[attr-defined]
    assert svg.is_displayed() and svg.size["width"] > 300 and svg.size["height"] > 300
    towns_on_map = driver.find_elements(By.CSS_SELECTOR, "svg g.town")  # type: ignore[attr-defined]
    assert len(towns_on_map) == len(links)
    # nothing was fetched besides the page itself: no fonts, styles, scripts or tiles from anywhere
    script = "return performance.getEntriesByType('resource').map(entry => entry.name)"
    resources = driver.execute_script(script)  # type: ignore[attr-defined]
    assert resources == [], resources
    front = ARTIFACTS / "public-front-en.png"
    driver.save_screenshot(str(front))  # type: ignore[attr-defined]

    driver.get(f"{base}/town/narva?lang=ru")  # type: ignore[attr-defined]
    heading = driver.find_element(By.TAG_NAME, "h1")  # type: ignore[attr-defined]
    assert "Нарва" in heading.text and heading.is_displayed()
    card = ARTIFACTS / "public-town-narva-ru.png"
    driver.save_screenshot(str(card))  # type: ignore[attr-defined]
    for path in (front, card):
        assert path.stat().st_size > 10_000
        print(f"screenshot: {path}")

"""The dashboards served by `streamlit run`, driven through Debian's Chromium with Playwright.

Screenshots go to docs/screenshots/ only when OMNISTOCK_SCREENSHOTS=1. By default they show
the tiny test warehouse; set OMNISTOCK_SCREENSHOTS_DATA_DIR to a data folder holding a real
generated warehouse to photograph that one instead (no figures are checked then).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.app import tiny_warehouse as tiny

pytestmark = pytest.mark.browser

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def streamlit_server(data_dir: Path, log: Path) -> Iterator[str]:
    """Serve app_streamlit/app.py against `data_dir`; yield its URL; always stop it."""
    port = _free_port()
    env = {**os.environ, "OMNISTOCK_DATA_DIR": str(data_dir)}
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app_streamlit/app.py",
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(port),
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise AssertionError(f"streamlit exited with {server.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"streamlit did not answer within 60 s:\n{log.read_text()}")
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@contextmanager
def chromium_page() -> Iterator:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing in CI: apt-get install -y chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1200})
            page.set_default_timeout(30_000)
            yield page
        finally:
            browser.close()


def _screenshot(page, name: str) -> None:
    if os.environ.get("OMNISTOCK_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        # Streamlit scrolls inside its main container, so grow the window to the content instead
        height = page.evaluate("() => document.querySelector('[data-testid=\"stMainBlockContainer\"]').scrollHeight")
        viewport = page.viewport_size
        page.set_viewport_size({"width": viewport["width"], "height": max(viewport["height"], height + 120)})
        page.wait_for_timeout(2000)  # let charts and grids redraw
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
        page.set_viewport_size(viewport)


def _metric(page, label: str):
    """The value element of the st.metric labelled `label`."""
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")


def _choose(page, label: str, option_prefix: str) -> None:
    """Pick the first option starting with `option_prefix` in the selectbox labelled `label`, if any."""
    page.get_by_test_id("stSelectbox").filter(has_text=label).first.click()
    page.get_by_role("option").first.wait_for()
    option = page.get_by_role("option").filter(has_text=option_prefix).first
    if option.count():
        option.click()
        page.get_by_role("heading", name=f"Sales layer · {option_prefix}").wait_for()
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
    else:
        page.keyboard.press("Escape")


def _open_quality_page(page) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text("Ingestion & quarantine").click()
    page.get_by_role("heading", name="Ingestion & quarantine").wait_for()


def test_dashboard_in_chromium(tmp_path: Path):
    from playwright.sync_api import expect

    data_dir = tmp_path / "data"
    tiny.build_tiny_warehouse(data_dir)
    real = os.environ.get("OMNISTOCK_SCREENSHOTS_DATA_DIR")
    with streamlit_server(data_dir, tmp_path / "streamlit.log") as url, chromium_page() as page:
        page.goto(url)
        page.get_by_role("heading", name="Inventory layers").wait_for()
        expect(_metric(page, "Available to sell")).to_have_text(str(tiny.UNITS_AVAILABLE_TO_SELL))
        expect(_metric(page, "Units on hand")).to_have_text(str(tiny.UNITS_ON_HAND))
        expect(page.get_by_test_id("stPlotlyChart")).to_be_visible()
        _choose(page, "Channel", "tmall")
        expect(page.get_by_role("heading", name="Sales layer · tmall")).to_be_visible()
        if not real:
            _screenshot(page, "inventory_layers")

        _open_quality_page(page)
        expect(_metric(page, "Rows quarantined")).to_have_text(str(tiny.QUARANTINED_ROWS))
        assert "/data_quality" in page.url
        if not real:
            _screenshot(page, "data_quality")


if os.environ.get("OMNISTOCK_SCREENSHOTS") == "1" and os.environ.get("OMNISTOCK_SCREENSHOTS_DATA_DIR"):

    def test_screenshots_of_a_real_warehouse(tmp_path: Path):
        """Photograph both pages over the warehouse in $OMNISTOCK_SCREENSHOTS_DATA_DIR."""
        from playwright.sync_api import expect

        data_dir = Path(os.environ["OMNISTOCK_SCREENSHOTS_DATA_DIR"]).expanduser().resolve()
        assert (data_dir / "warehouse" / "omnistock.duckdb").exists(), f"no warehouse under {data_dir}"
        with streamlit_server(data_dir, tmp_path / "streamlit.log") as url, chromium_page() as page:
            page.goto(url)
            page.get_by_role("heading", name="Inventory layers").wait_for()
            expect(page.get_by_test_id("stPlotlyChart")).to_be_visible()
            _choose(page, "Channel", os.environ.get("OMNISTOCK_SCREENSHOTS_CHANNEL", "tmall"))
            _screenshot(page, "inventory_layers")
            _open_quality_page(page)
            expect(_metric(page, "Rows read")).to_be_visible()
            _screenshot(page, "data_quality")

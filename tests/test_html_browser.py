"""The HTML report in a real browser: Debian's chromium driven by Playwright, network off.

A real session (the GSM8K suite and three perf loads on the simulator) is rendered, opened
from disk in an offline browser context, and checked as a user sees it: every plot drew its
SVG, choosing an outcome filters the sample rows, a click shows a sample's details, and no
request left the file. A screenshot stays in ``test-artifacts/html-report.png``.

Why Playwright: its Python wheel carries its own driver, and it drives any recent Chromium
through ``executable_path`` (CDP), so Debian's chromium works as it is; Selenium would also
need Debian's chromium-driver at exactly the browser's version. ``playwright install`` (a
browser download) is never used. Without chromium or Playwright the test skips with the install
command, unless ``AISBENCH_REQUIRE_REAL=1`` (CI), where it fails.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from html_lines import sample
from html_session import report_session

from pytest_aisbench.html import write_html
from pytest_aisbench.simulator import RunningSimulator

CHROMIUM = Path("/usr/bin/chromium")
SAMPLES = 15_000
SETUP = "bash scripts/bootstrap.sh (as root: apt-get install -y chromium; pip install playwright)"
PLOTS_DRAWN = (
    "Array.from(document.querySelectorAll('.plot')).every(p => p.hasAttribute('data-rendered'))"
)


def _require_browser() -> None:
    missing = [] if CHROMIUM.exists() else ["Debian's chromium at /usr/bin/chromium"]
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("Playwright for Python")
    if missing:
        why = f"the browser test needs {' and '.join(missing)}: {SETUP}"
        if os.environ.get("AISBENCH_REQUIRE_REAL") == "1":
            pytest.fail(why)
        pytest.skip(why)


@contextmanager
def offline_page(page_file: Path, fetched: list[str], errors: list[str]) -> Iterator[Any]:
    """`page_file` open in headless chromium with the network off, its plots drawn; every
    request the page made goes to `fetched`, every script error to `errors`."""
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            context = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})
            context.on("request", lambda r: fetched.append(r.url))
            context.route("http*://**", lambda route: route.abort())  # belt and braces
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(page_file.as_uri())
            page.wait_for_function(PLOTS_DRAWN, timeout=30_000)
            yield page
        finally:
            browser.close()


def test_the_report_renders_offline_in_chromium_with_plots_and_filters(
    pytester: pytest.Pytester, simulator: RunningSimulator, request: pytest.FixtureRequest
) -> None:
    _require_browser()
    lines = report_session(pytester, simulator)
    page_file = pytester.path / "report.html"
    write_html(page_file, lines)
    outcomes = [line["outcome"] for line in lines if line["type"] == "sample"]
    chosen = "incorrect" if "incorrect" in outcomes else outcomes[0]
    artifact = request.config.rootpath / "test-artifacts" / "html-report.png"
    artifact.parent.mkdir(exist_ok=True)
    fetched: list[str] = []
    errors: list[str] = []

    with offline_page(page_file, fetched, errors) as page:
        plots = page.locator(".plot")
        assert plots.count() == 9
        for i in range(plots.count()):  # each plot drew an SVG with its traces
            plot = plots.nth(i)
            assert plot.locator("svg.main-svg").count() >= 1, plot.get_attribute("id")
            assert plot.locator(".trace, .barlayer .point").count() >= 1

        assert page.inner_text("#sample-count") == f"{len(outcomes)} of {len(outcomes)} samples"
        page.select_option("#f-outcome", chosen)
        expected = outcomes.count(chosen)
        assert page.inner_text("#sample-count") == f"{expected} of {len(outcomes)} samples"
        shown = page.locator("#sample-rows tr td:first-child").all_inner_texts()
        assert shown == [chosen] * expected
        page.locator("#sample-rows tr").first.click()
        detail = page.inner_text("#sample-detail")
        assert "prompt" in detail and "reference" in detail and chosen in detail

        page.screenshot(path=str(artifact), full_page=True)
    assert [url for url in fetched if not url.startswith("file:")] == []
    assert errors == []
    assert artifact.stat().st_size > 10_000


def test_fifteen_thousand_samples_filter_at_once(tmp_path: Path) -> None:
    outcomes = ("correct", "incorrect", "no_answer", "truncated", "error")
    lines = [sample(f"model_{i % 2}", f"set_{i % 3}", i, outcomes[i % 5],
                    prediction=f"answer {i} " + "words " * 80) for i in range(SAMPLES)]  # fmt: skip
    page_file = tmp_path / "big.html"
    write_html(page_file, lines)
    fetched: list[str] = []
    errors: list[str] = []
    with offline_page(page_file, fetched, errors) as page:
        assert page.inner_text("#sample-count") == f"{SAMPLES} of {SAMPLES} samples"
        assert page.locator("#sample-rows tr").count() == 50  # one page of rows, not 15,000
        started = time.perf_counter()
        page.select_option("#f-outcome", "error")
        page.select_option("#f-model", "model_1")
        assert page.inner_text("#sample-count") == f"{SAMPLES // 10} of {SAMPLES} samples"
        assert time.perf_counter() - started < 2  # about 20 ms a filter on a 2-core machine
        page.fill("#f-text", "answer 12349 ")  # an error of model_1 (12349 % 5 == 4, odd)
        page.wait_for_function("document.getElementById('sample-count').textContent"
                               ".startsWith('1 of')", timeout=5_000)  # fmt: skip
    assert errors == [] and [url for url in fetched if not url.startswith("file:")] == []

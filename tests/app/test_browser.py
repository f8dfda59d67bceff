"""End to end in a real browser: `burnrate serve` on a built demo warehouse, Debian's Chromium (headless,
driven by Playwright), every page, one full drill-down by clicking (Overview → team → feature → model →
user → one request), a copied URL that reproduces the view, no error element anywhere. Screenshots go to
tests/artifacts/ (git-ignored)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.app.test_commands import _serve, _stop, free_port

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip
PAGES = ["overview", "explore", "budgets", "anomalies", "gpus", "reconciliation", "efficiency", "sql"]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("/usr/bin/chromium is missing: run `make system-deps` (installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def server(cfg):
    port = free_port()
    proc = _serve(cfg, port)
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), proc.stderr.read() if proc.poll() is not None else url
    return proc, url


@pytest.fixture(scope="module")
def demo(built_cfg):
    proc, url = server(built_cfg)
    yield url
    assert _stop(proc) == 0


@pytest.fixture(scope="module")
def full(full_cfg):
    proc, url = server(full_cfg)
    yield url
    assert _stop(proc) == 0


def settle(page, text: str | None = None) -> None:
    """Wait until the app has rendered (and `text` is on the page), then until no script run is pending."""
    page.wait_for_selector('[data-testid="stMain"]', timeout=60_000)
    if text:
        page.get_by_text(text, exact=False).first.wait_for(timeout=60_000)
    # a script run in progress shows a running icon; elements still arriving show skeletons
    page.wait_for_function(
        '() => !document.querySelector(\'[data-testid="stStatusWidgetRunningIcon"], '
        '[data-testid="stStatusWidgetRunningManIcon"], [data-testid="stSkeleton"], '
        '[data-testid="stAppSkeleton"]\')',
        timeout=60_000,
    )
    page.wait_for_timeout(500)


def assert_no_errors(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    assert page.get_by_text("Page not found").count() == 0, f"{page.url}: page not found"
    exceptions = page.locator('[data-testid="stException"]')
    errors = page.locator('[data-testid="stAlertContentError"]')
    assert exceptions.count() == 0, exceptions.first.inner_text()
    assert errors.count() == 0, errors.first.inner_text()


@pytest.mark.parametrize("which", ["demo", "full"])
def test_every_page_loads_without_an_error(browser, request, which):
    base = request.getfixturevalue(which)
    page = browser.new_page(viewport={"width": 1440, "height": 1500})
    titles = {"gpus": "GPUs", "sql": "SQL"}
    for name in PAGES:
        page.goto(f"{base}/{name}")
        settle(page, titles.get(name, name.capitalize()))
        assert_no_errors(page, f"{which}_{name}")
    page.close()


def test_the_root_url_opens_the_overview_with_its_parameters(browser, demo):
    page = browser.new_page(viewport={"width": 1440, "height": 1500})
    page.goto(f"{demo}/?period=7d&team=search")
    settle(page, "Top movers")
    assert "/overview?" in page.url and "period=7d" in page.url and "team=search" in page.url
    assert_no_errors(page, "root_redirect")
    page.close()


def click_pill(page, label: str, skip: tuple[str, ...] = ()) -> str:
    """Click the first option of the pills labelled `label` whose text holds none of `skip`; return its text."""
    group = page.locator('[data-testid="stButtonGroup"]').filter(has=page.get_by_text(label))
    option = next(
        b for b in group.locator("button").all() if not any(x in b.inner_text().lower() for x in skip)
    )
    text = option.inner_text()
    option.click()
    return text


def test_drill_from_overview_to_one_request_and_share_the_link(browser, demo):
    page = browser.new_page(viewport={"width": 1440, "height": 1500})
    page.goto(demo)
    settle(page, "Top movers")
    assert_no_errors(page, "drill_0_overview")
    page.get_by_role("link", name=re.compile(r"team ")).first.click()  # a team that moved this week
    settle(page, "Drill into a feature")
    assert "/explore?" in page.url and "team=" in page.url
    assert_no_errors(page, "drill_1_team")
    # fct_costs_daily holds cloud and GPU dollars too (no feature, no model): follow LLM traffic down to a user
    click_pill(page, "Drill into a feature", skip=("unattributed", "(none)"))
    settle(page, "Drill into a model")
    assert_no_errors(page, "drill_2_feature")
    click_pill(page, "Drill into a model", skip=("(none)",))
    settle(page, "Drill into a user")
    assert_no_errors(page, "drill_3_model")
    user = click_pill(page, "Drill into a user")
    settle(page, f"Requests of user {user}")
    assert_no_errors(page, "drill_4_user")
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Open a request").click()
    option = page.get_by_role("option").first
    request_id = option.inner_text().strip()
    option.click()
    settle(page, f"Request {request_id}")
    assert_no_errors(page, "drill_5_request")
    for key in ("team=", "feature=", "model=", "user=", "request="):
        assert key in page.url
    shared = page.url

    # the copied link, opened fresh, shows the same request with the same trail
    other = browser.new_page(viewport={"width": 1440, "height": 1500})
    other.goto(shared)
    settle(other, f"Request {request_id}")
    assert_no_errors(other, "drill_6_shared_link")
    crumbs = [b.inner_text().split("\n")[-1] for b in other.locator('[data-testid="stMain"] button').all()]
    assert f"user {user}" in crumbs, crumbs
    # back navigation: Back leaves the request, the home crumb returns to all teams
    other.get_by_role("button", name="Back").click()
    settle(other, f"Requests of user {user}")
    other.get_by_role("button", name="All spend").click()
    settle(other, "Drill into a team")
    assert "team=" not in other.url
    assert_no_errors(other, "drill_7_back_to_top")
    other.close()
    page.close()


def test_the_alert_links_open_their_anomaly_and_budget(browser, full, full_cfg):
    page = browser.new_page(viewport={"width": 1440, "height": 1500})
    page.goto(f"{full}/anomalies?anomaly=anom-team-1")
    settle(page, "Contributing user")
    page.locator('[data-testid="stPlotlyChart"]').nth(1).wait_for(timeout=30_000)  # series + contributors
    assert_no_errors(page, "link_anomaly")
    page.goto(f"{full}/budgets?budget=team-search")
    settle(page, "Spend to date")
    assert_no_errors(page, "link_budget")
    page.close()


def test_chromium_is_debians(browser):
    version = subprocess.run([str(CHROMIUM), "--version"], capture_output=True, text=True).stdout
    assert "Chromium" in version

"""Headless Debian chromium through Playwright, a real live server, and axe-core checks.

Never `playwright install`: the browser is the system's /usr/bin/chromium.
"""

import functools
import json
import os
import time
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
# test itself (building the world) would otherwise be refused as "async unsafe".
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
NO_CHROMIUM = f"{CHROMIUM} is not installed (apt-get install chromium); browser tests need it"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    skip = pytest.mark.skip(reason=NO_CHROMIUM)
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(skip)


class _SharedChromium:
    """One Playwright and one chromium per test process, however many conftests use them.

    Playwright's sync API refuses to start a second instance while one runs (it owns the
    thread's event loop), and a fixture imported into another conftest is a second session
    fixture: so both hand out this one browser, closed when the last user releases it.
    """

    def __init__(self) -> None:
        self.users = 0
        self.playwright = None
        self.browser = None

    def acquire(self):
        if self.browser is None:
            from playwright.sync_api import sync_playwright

            self.playwright = sync_playwright().start()
            self.browser = self.playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        self.users += 1
        return self.browser

    def release(self) -> None:
        self.users -= 1
        if self.users == 0 and self.browser is not None:
            self.browser.close()
            self.playwright.stop()
            self.browser = self.playwright = None


_shared_chromium = _SharedChromium()


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator:
    browser = _shared_chromium.acquire()
    yield browser
    _shared_chromium.release()


@pytest.fixture
def page(chromium_browser, live_server) -> Iterator:
    """A fresh browser context (no cookies) on a phone-sized screen, pointed at the live server.

    Every journey fails if the browser refuses anything under the Content-Security-Policy (an
    inline script or style, an eval, another origin): checked on each assert_accessible and at
    the end of the test, whatever pages it opened.
    """
    context = chromium_browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, locale="en-GB"
    )
    context.set_default_timeout(15_000)
    browser_page = context.new_page()
    violations: list[str] = []
    _csp_violations[browser_page] = violations
    browser_page.on(
        "console",
        lambda message: (
            violations.append(f"{browser_page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield browser_page
    context.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


_csp_violations: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def forgive_csp_refusals(page, *, of: str) -> list[str]:
    """Take the refusals naming `of` off the page's list, and return them: for a page where the
    policy is meant to refuse something (a third-party image in a vendored bundle, say)."""
    violations = _csp_violations.get(page, [])
    forgiven = [v for v in violations if of in v]
    violations[:] = [v for v in violations if of not in v]
    return forgiven


def assert_no_csp_violations(page, where: str = "") -> None:
    """Fail if the browser has refused anything under the Content-Security-Policy so far."""
    violations = _csp_violations.get(page, [])
    assert not violations, f"Content-Security-Policy violations on {where or page.url}:\n" + "\n".join(
        violations
    )


def format_violations(violations: list[dict], where: str) -> str:
    lines = [f"{len(violations)} serious or critical accessibility violation(s) on {where}:"]
    for violation in violations:
        lines.append(
            f"- [{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})"
        )
        for node in violation["nodes"][:10]:
            lines.append(f"    selector: {json.dumps(node['target'])}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary}")
            lines.append(f"      html: {node['html'][:200]}")
    return "\n".join(lines)


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page as it is now: WCAG 2.0-2.2 A and AA rules."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not added as a <script> element: the page's
        # Content-Security-Policy rightly refuses an inline script, and axe is not the page's.
        page.evaluate(_axe_source())
    results = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return results["violations"]


@functools.cache
def _axe_source() -> str:
    return AXE_JS.read_text()


def assert_accessible(page, where: str = "") -> None:
    """Fail on any serious or critical axe-core violation, listing rule ids and selectors, or on
    anything the Content-Security-Policy refused."""
    page.wait_for_load_state("load")
    assert_no_csp_violations(page, where)
    violations = axe_violations(page)
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, format_violations(blocking, where or page.url)
    # Moderate and minor findings do not fail the test; shown with `pytest -s` (or -rP).
    for violation in violations:
        targets = ", ".join(json.dumps(node["target"]) for node in violation["nodes"][:5])
        print(f"axe {violation['impact']} on {where or page.url}: {violation['id']} at {targets}")


def fill_totp(page, device) -> None:
    """Type the authenticator app's current code for the device into the two-factor form."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    page.fill("input[name='otp_token']", f"{totp.token():0{device.digits}d}")

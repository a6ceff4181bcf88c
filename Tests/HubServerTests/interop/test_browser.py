"""A real browser (headless Chromium driven by Selenium) runs the chat page from another origin.

The page (Examples/chat/index.html) negotiates the way @microsoft/signalr does: a cross-origin
`fetch` with credentials and the `X-Requested-With` / `X-SignalR-User-Agent` headers, so Chromium
sends a CORS preflight first and enforces the answer. With `--cors-origin` for the page's origin the
page connects and chats; without it, Chromium blocks the negotiate and the page never connects.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from helpers import REPO, free_port, wait_until

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def page_origin() -> Iterator[str]:
    """The chat page served by a plain HTTP server of its own: another origin than any node."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(REPO / "Examples" / "chat")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    origin = f"http://127.0.0.1:{port}"

    def serving() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            return False

    try:
        assert wait_until(serving, timeout=10), "the page server did not start"
        yield origin
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    assert CHROMIUM, "chromium is installed by scripts/setup.sh --tests"
    assert CHROMEDRIVER, "chromedriver (Debian's chromium-driver) is installed by scripts/setup.sh --tests"
    options = Options()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def log_lines(browser: WebDriver) -> list[str]:
    return [line.text for line in browser.find_elements(By.CSS_SELECTOR, "#log div")]


def test_a_page_on_an_allowed_origin_connects_and_chats(node_factory, browser, page_origin):
    node = node_factory("web1", "--chat", "--cors-origin", page_origin)
    browser.get(f"{page_origin}/index.html?hub={node.hub_url('chat')}")
    status = browser.find_element(By.ID, "node")
    assert wait_until(lambda: " as " in status.text, timeout=15), f"not connected: {status.text!r}, log {log_lines(browser)}"
    host = node.http.removeprefix("http://")
    assert status.text.startswith(f"{host} as web1."), status.text

    browser.find_element(By.ID, "user").send_keys("alice")
    browser.find_element(By.ID, "text").send_keys("hello across origins")
    browser.find_element(By.ID, "send").click()
    assert wait_until(lambda: "alice: hello across origins" in log_lines(browser), timeout=10), log_lines(browser)
    assert not browser.find_elements(By.CSS_SELECTOR, "#log .error"), log_lines(browser)


def test_a_page_on_an_origin_the_node_does_not_allow_cannot_negotiate(node_factory, browser, page_origin):
    node = node_factory("web2", "--chat")  # no --cors-origin
    browser.get(f"{page_origin}/index.html?hub={node.hub_url('chat')}")
    assert wait_until(lambda: bool(browser.find_elements(By.CSS_SELECTOR, "#log .error")), timeout=15), log_lines(browser)
    errors = [line.text for line in browser.find_elements(By.CSS_SELECTOR, "#log .error")]
    assert any("fetch" in error.lower() for error in errors), errors  # Chromium: "Failed to fetch"
    time.sleep(0.5)
    assert browser.find_element(By.ID, "node").text == "…", "the page must not have connected"


OPEN_SOCKET = """
const done = arguments[arguments.length - 1];
const socket = new WebSocket(arguments[0]);
socket.onopen = () => { socket.close(); done("open"); };
socket.onerror = () => done("refused");
setTimeout(() => done("timeout"), 10000);
"""


def test_a_page_of_another_origin_cannot_open_a_websocket_once_origins_are_configured(node_factory, browser, page_origin, tmp_path):
    # Chromium applies no CORS to WebSockets: a page opens one to any server and sends its origin.
    browser.set_script_timeout(15)
    browser.get(f"{page_origin}/index.html")
    allowed = node_factory("web3", "--chat", "--cors-origin", page_origin)
    assert browser.execute_async_script(OPEN_SOCKET, allowed.ws_url("chat")) == "open"
    other = node_factory("web4", "--chat", "--cors-origin", "https://app.example.com", "--static", str(REPO / "Examples" / "chat"))
    assert browser.execute_async_script(OPEN_SOCKET, other.ws_url("chat")) == "refused"
    # Refused by the origin check (not some other failure), with Chromium's Origin header in the node's log.
    log = (tmp_path / "web4.log").read_text(errors="replace")
    assert f"hubmesh.origin={page_origin} " in log, log
    # The node's own pages still connect (same origin), and the refused page hurt nobody.
    browser.get(f"{other.http}/index.html")
    assert browser.execute_async_script(OPEN_SOCKET, other.ws_url("chat")) == "open"

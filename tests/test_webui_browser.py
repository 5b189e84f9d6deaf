"""Stalwart's real WebUI administers the generated server, in real headless Chromium.

The WebUI (../shared/stalwart/webui, read-only) is built in a scratch copy and cached under
.cache/webui/ (tests/webui_build.py); the full registry is imported from
../shared/stalwart/schema.json and generated into a temporary directory with this project's WebUI
settings (capabilities, edition, OAuth clients from schema/project.yaml); the server serves the
build at /admin/. Playwright drives Debian's chromium (/usr/bin/chromium, `make chromium`) as an
admin would: sign in through OAuth, change a DNSBL limit, create, edit and delete a Domain, create
an API key and note the secret the server generated for it, and reload the settings from the
Actions page. Every step is checked with a JMAP call of our own, and
the test fails on any error toast, page error or failed request to our server. Screenshots of
every step are kept in .cache/webui-screenshots/.

Never waits for "network idle": the WebUI leaves its /logo request unread.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO_ROOT, SHARED_DIR, RunGenerator
from jmap_server import ADMIN_TOKEN, Server
from playwright import sync_api as playwright_api
from signin_server import EnvServer
from webui_build import BuildError, build

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = REPO_ROOT / ".cache" / "webui-screenshots"
ADMIN, PASSWORD = "admin", "webui-admin-password"
WEBUI_SETTINGS = ("capabilities", "edition", "oauthClients")  # project settings the WebUI needs
STEP_TIMEOUT_MS = 30_000  # a step waits for what it expects to appear, at most this long
IGNORED = ("/logo",)
DOMAIN = "webui-test.example.org"
API_KEY = "deploy key from the WebUI"  # its description
TOAST = "li.group"  # the WebUI's toasts (Radix list items)  # fetched on every load and left unread: its abort is not a failure


# -- what the test runs against --------------------------------------------------------------------


@pytest.fixture(scope="module")
def webui_dist() -> Path:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed: run `make chromium` (make test does)")
    try:
        return build()
    except BuildError as exc:
        pytest.fail(f"the WebUI did not build: {exc}")


@pytest.fixture(scope="module")
def full_registry(tmp_path_factory: pytest.TempPathFactory, run_generator: RunGenerator) -> Path:
    """The full registry, generated with this project's WebUI settings; its python/ directory."""
    root = tmp_path_factory.mktemp("webui-registry")
    schema, out = root / "schema", root / "out"
    # this project's hand-written facts, as schema/ keeps them: Action is an operation object
    # (overrides/) and the state its handlers change (ServerState) is the application's own
    shutil.copytree(REPO_ROOT / "schema" / "overrides", schema / "overrides")
    (schema / "objects").mkdir()
    shutil.copy(REPO_ROOT / "schema" / "objects" / "server-state.yaml", schema / "objects")
    done = run_generator("import-stalwart", SHARED_DIR / "stalwart" / "schema.json", "--out", schema)
    assert done.returncode == 0, done.stderr
    add_project_settings(schema / "project.yaml")
    done = run_generator("generate", "--schema", schema, "--out", out)
    assert done.returncode == 0, done.stderr
    return out / "python"


def add_project_settings(project_file: Path) -> None:
    """schema.json does not say what the server accepts besides its objects: the imported project
    section gets this project's WebUI settings (its last lines are the `project:` mapping)."""
    ours = yaml.safe_load((REPO_ROOT / "schema" / "project.yaml").read_text(encoding="utf-8"))["project"]
    imported = yaml.safe_load(project_file.read_text(encoding="utf-8"))
    assert list(imported) == ["project"], "the imported project.yaml holds more than the project section"
    missing = {k: ours[k] for k in WEBUI_SETTINGS if k not in imported["project"]}
    if not missing:
        return
    extra = yaml.safe_dump(missing, sort_keys=False)
    text = project_file.read_text(encoding="utf-8").rstrip("\n") + "\n"
    project_file.write_text(text + "".join(f"  {line}\n" for line in extra.splitlines()), encoding="utf-8")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, full_registry: Path, webui_dist: Path) -> Iterator[Server]:
    env = {"ADMIN_USER": ADMIN, "ADMIN_PASSWORD": PASSWORD, "WEBUI_DIR": str(webui_dist)}
    srv = EnvServer(tmp_path_factory.mktemp("webui-server"), env, pythonpath=str(full_registry)).start()
    yield srv
    srv.stop()


# -- the browser -----------------------------------------------------------------------------------


@dataclass
class Watch:
    """What went wrong in the page: uncaught errors, requests to our server that failed or got an
    error status. Checked after every step, with the step's name."""

    origin: str
    problems: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _ours(self, url: str) -> bool:
        return url.startswith(self.origin) and not any(url.startswith(self.origin + p) for p in IGNORED)

    def _failed(self, request: Any) -> None:
        if self._ours(request.url):
            self.problems.append(f"request failed: {request.method} {request.url}: {request.failure}")

    def _response(self, response: Any) -> None:
        if self._ours(response.url) and response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.request.method} {response.url}")


@dataclass
class Admin:
    """One admin at the browser: each step ends with a screenshot and the checks."""

    page: Any
    server: Server
    watch: Watch
    prefix: str = ""
    steps: int = 0

    def step(self, name: str) -> None:
        self.steps += 1
        self.page.screenshot(path=str(SCREENSHOTS / f"{self.prefix}{self.steps:02d}-{name}.png"), full_page=True)
        toasts = self.page.locator(f"{TOAST}.destructive")  # the WebUI's error toast
        if toasts.count():
            self.watch.problems.append(f"error toast: {toasts.first.inner_text()}")
        assert not self.watch.problems, f"after step {name!r}: " + "; ".join(self.watch.problems)
        # closed, so the next step's success toast is the only one on the page
        for close in self.page.locator(f"{TOAST} button[aria-label='Close']").all():
            close.click()
        playwright_api.expect(self.page.locator(TOAST)).to_have_count(0)

    def field(self, label: str) -> Any:
        """The input a form shows under this label (the WebUI's labels name no input)."""
        return self.page.locator(f"xpath=//*[normalize-space(text())='{label}']/following::input[1]").first

    @staticmethod
    def enter(input_: Any, text: str) -> None:
        """Types into a field and leaves it: the WebUI's inputs commit their value on blur."""
        input_.fill(text)
        input_.press("Tab")

    def open_menu(self, section: str, *path: str) -> None:
        """Switches to a section and opens a menu link by its path of containers, opening only the
        containers the WebUI has not opened itself (it opens the one holding the current page)."""
        self.page.get_by_role("button", name=section, exact=True).last.click()  # the section switcher
        self.page.wait_for_url(f"**/admin/{section}/**")
        self.page.locator("h1").first.wait_for()  # the section's first page is shown, its menu open
        scope = self.page
        for name in path[:-1]:
            container = scope.get_by_role("button", name=name, exact=True).first
            if container.get_attribute("aria-expanded") != "true":
                container.click()
            scope = container.locator("xpath=..")  # the container and what it holds
        scope.get_by_role("button", name=path[-1], exact=True).last.click()

    def button(self, name: str) -> Any:
        return self.page.get_by_role("button", name=name, exact=True)

    def jmap(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        reply = self.server.call(method, args, token=ADMIN_TOKEN)
        assert reply[0] == method, reply
        return reply[1]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def browser(webui_dist: Path) -> Iterator[Any]:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def admin_at(browser: Any, server: Server, prefix: str = "") -> Iterator[Admin]:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.set_default_timeout(STEP_TIMEOUT_MS)
    watch = Watch(server.url)
    watch.attach(page)
    try:
        yield Admin(page, server, watch, prefix)
    finally:
        page.screenshot(path=str(SCREENSHOTS / f"{prefix}99-last.png"), full_page=True)  # where it stopped
        page.close()


@pytest.fixture(scope="module")
def admin(browser: Any, server: Server) -> Iterator[Admin]:
    with admin_at(browser, server) as at:
        yield at


# -- the steps, in order (each test continues where the previous one left the browser) ---------------


def sign_in(admin: Admin) -> None:
    page = admin.page
    page.goto(admin.server.url + "/admin/", wait_until="load")
    page.wait_for_url("**/admin/login**")
    admin.step("webui-login")
    page.get_by_role("textbox").first.fill(ADMIN)
    admin.button("Continue").click()
    page.wait_for_url("**/oauth/authorize?**")
    assert page.locator("input[name=username]").input_value() == ADMIN  # login_hint prefilled
    admin.step("our-login-page")
    page.fill("input[name=password]", PASSWORD)
    admin.button("Sign in").click()
    admin.button("Actions").wait_for()  # the Management menu, built from the schema
    assert "/admin/" in page.url and "/oauth/" not in page.url
    admin.step("signed-in")


def change_dnsbl_limit(admin: Admin) -> None:
    page = admin.page
    before = admin.jmap("x:SpamDnsblSettings/get", {"ids": None})["list"][0]["domainLimit"]
    wanted = before + 7
    admin.open_menu("Settings", "Spam Filter", "DNSBL", "Settings")
    limit = admin.field("Domain Checks")
    limit.wait_for()
    assert limit.input_value() == str(before)
    admin.step("dnsbl-settings")
    admin.enter(limit, str(wanted))
    admin.button("Save").click()
    page.get_by_text("Saved successfully").first.wait_for()
    admin.step("dnsbl-saved")
    assert admin.jmap("x:SpamDnsblSettings/get", {"ids": None})["list"][0]["domainLimit"] == wanted


def test_sign_in_through_oauth(admin: Admin) -> None:
    sign_in(admin)


def test_change_a_dnsbl_limit(admin: Admin) -> None:
    change_dnsbl_limit(admin)


def domains(admin: Admin) -> list[dict[str, Any]]:
    return admin.jmap("x:Domain/get", {"ids": None, "properties": ["name", "description"]})["list"]  # type: ignore[no-any-return]


def test_create_a_domain(admin: Admin) -> None:
    page = admin.page
    admin.open_menu("Management", "Domains", "Domains")
    admin.button("Create domain").click()
    name = admin.field("Domain Name")
    name.wait_for()
    admin.step("domain-form")
    admin.enter(name, DOMAIN)
    admin.button("Create").click()
    page.get_by_text("Created successfully").first.wait_for()
    admin.step("domain-created")
    assert [d["name"] for d in domains(admin)] == [DOMAIN]


def test_edit_the_domain(admin: Admin) -> None:
    page = admin.page
    page.get_by_text(DOMAIN, exact=True).first.click()
    description = admin.field("Description")
    description.wait_for()
    admin.step("domain-open")
    admin.enter(description, "edited from the WebUI")
    admin.button("Save").click()
    page.get_by_text("Saved successfully").first.wait_for()
    admin.step("domain-edited")
    assert [d["description"] for d in domains(admin)] == ["edited from the WebUI"]


def test_delete_the_domain(admin: Admin) -> None:
    page = admin.page
    page.get_by_text(DOMAIN, exact=True).first.click()
    admin.field("Domain Name").wait_for()
    admin.button("Delete").click()
    admin.step("domain-delete-confirm")
    page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    page.get_by_text("deleted successfully").first.wait_for()
    admin.step("domain-deleted")
    assert domains(admin) == []


def test_reload_settings_from_the_actions_page(admin: Admin) -> None:
    page = admin.page
    before = admin.jmap("x:ServerState/get", {"ids": None})["list"][0]["reloads"].get("settings", 0)
    admin.button("Actions").click()
    reload_settings = page.get_by_role("button", name="Server settings")  # group Reload, variant ReloadSettings
    reload_settings.wait_for()
    admin.step("actions")
    reload_settings.click()
    done = page.get_by_text("Action executed successfully.")
    execute = admin.button("Execute")
    done.or_(execute).first.wait_for()
    if execute.count():  # the variant's form (none of its fields need a value)
        admin.step("reload-form")
        execute.click()
    done.wait_for()
    admin.step("reload-done")
    after = admin.jmap("x:ServerState/get", {"ids": None})["list"][0]["reloads"].get("settings", 0)
    assert after == before + 1


def test_create_an_api_key_and_note_its_generated_secret(admin: Admin) -> None:
    """The server generates the secret; the WebUI shows `created`'s values once in its dialog."""
    page = admin.page
    admin.open_menu("Account", "Credentials", "API Keys")
    admin.button("Create API key").click()
    description = admin.field("Description")
    description.wait_for()
    admin.step("api-key-form")
    admin.enter(description, API_KEY)
    admin.button("Create").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("generated by the server").wait_for()
    assert dialog.get_by_text("Secret", exact=True).count() == 1  # the field's label, from the form
    shown = dialog.locator("code").all_inner_texts()
    admin.step("api-key-secret-dialog")
    assert len(shown) == 1 and re.fullmatch(r"[A-Za-z0-9_-]{32}", shown[0]), shown
    keys = admin.jmap("x:ApiKey/get", {"ids": None})["list"]
    assert [(k["description"], k["secret"]) for k in keys] == [(API_KEY, "****")]  # shown once only
    with closing(sqlite3.connect(f"file:{admin.server.db}?mode=ro", uri=True)) as db:
        stored = db.execute("SELECT doc FROM objects WHERE type = 'ApiKey'").fetchone()
    assert json.loads(stored[0])["secret"] == shown[0]  # what the dialog showed is the key
    admin.button("Continue").click()
    playwright_api.expect(dialog).to_have_count(0)
    page.get_by_text(API_KEY, exact=True).first.wait_for()  # back on the list
    admin.step("api-key-listed")


def test_the_seed_schema_as_make_serve_serves_it(
    browser: Any, webui_dist: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """`WEBUI_DIR=... make serve`: the committed package (schema/: two objects and their menus)."""
    env = {"ADMIN_USER": ADMIN, "ADMIN_PASSWORD": PASSWORD, "WEBUI_DIR": str(webui_dist)}
    seed = EnvServer(tmp_path_factory.mktemp("webui-seed"), env).start()
    try:
        with admin_at(browser, seed, prefix="seed-") as at:
            sign_in(at)
            change_dnsbl_limit(at)
    finally:
        seed.stop()

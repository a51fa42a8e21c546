"""Steps shared by the browser tests."""

import base64
import time
from pathlib import Path

from django_otp.oath import totp
from playwright.sync_api import expect

from membership.demo import DEMO_MEMBER_NUMBER, DEMO_MEMBER_PASSWORD


def log_in(page, password=DEMO_MEMBER_PASSWORD, number=DEMO_MEMBER_NUMBER):
    page.goto("/member/login")
    expect(page.get_by_role("heading", name="会員ログイン")).to_be_visible()
    page.get_by_label("会員番号").fill(number)
    page.get_by_label("パスワード", exact=True).fill(password)
    page.get_by_role("button", name="ログイン").click()


def open_menu_entry(page, viewport, label):
    """Click a members-area menu entry, opening the three-line menu first on a phone."""
    if viewport == "phone":
        page.wait_for_load_state("load")  # the menu script is deferred: wait until it listens
        toggle = page.get_by_role("button", name="メニュー")
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
    page.locator("nav#member-menu").get_by_role("link", name=label).click()


def shoot(page, artifacts_dir, name):
    """Full-page screenshot once the page, its stylesheet and web fonts have finished loading
    (taken earlier, the page height can still be the viewport's and the shot comes out cut)."""
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready.then(() => true)")
    page.screenshot(path=str(artifacts_dir / f"{name}.png"), full_page=True)


def totp_code(secret):
    """The 6-digit code an authenticator app shows now for ``secret`` (base32, as the enrolment
    page prints it), computed here from the device's key."""
    key = secret.replace(" ", "").upper()
    return f"{totp(base64.b32decode(key + '=' * (-len(key) % 8))):06d}"


def wait_for_next_code_window():
    """A code is accepted once: wait until the app shows the next one (at most 30 s)."""
    time.sleep(30 - time.time() % 30 + 0.5)


def staff_log_in_with_password(page, username, password):
    page.goto("/admin/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").first.click()


def enrol_staff(page, username, password):
    """First login of a staff member: password, the enrolment page, a code from the app, the
    recovery codes, then the admin. Returns the secret (base32) and the recovery codes."""
    staff_log_in_with_password(page, username, password)
    expect(page.get_by_role("heading", name="2段階認証の登録")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text()
    page.get_by_label("確認コード").fill(totp_code(secret))
    page.get_by_role("button", name="登録する").click()
    expect(page.get_by_role("heading", name="リカバリーコード")).to_be_visible()
    codes = page.get_by_test_id("recovery-codes").locator("code").all_inner_texts()
    page.get_by_role("link", name="控えました。管理画面へ進む").click()
    return secret, codes


AXE_SCRIPT = Path(__file__).resolve().parent / "vendor" / "axe.min.js"

# What axe reports of one violation: the rule, its impact and the first few elements with why.
_AXE_RUN = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    nodes: violation.nodes.slice(0, 5).map((node) => `${node.target.join(" ")}: ${node.failureSummary}`),
  }));
}"""


def enable_axe(context):
    """axe-core (vendored, see README's dependencies) in every page of ``context``: an init script,
    which the site's Content-Security-Policy does not block, as it would an inline script tag."""
    context.add_init_script(path=AXE_SCRIPT)


def axe_violations(page):
    """axe-core's violations on the page as it is now (every rule axe enables by default: WCAG 2.x
    A and AA, and its best practices), once the stylesheet and fonts have loaded."""
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready.then(() => true)")
    return page.evaluate(_AXE_RUN)


# What axe leaves to a person ("needs review"), checked here: every id that a label or an ARIA
# attribute names exists, and every field marked invalid is described by its error message.
_REFERENCE_CHECK = """() => {
  const problems = [];
  const describe = (element) => element.id ? `#${element.id}` : element.outerHTML.slice(0, 80);
  for (const attribute of ["aria-describedby", "aria-labelledby", "aria-controls", "aria-errormessage"]) {
    for (const element of document.querySelectorAll(`[${attribute}]`)) {
      for (const id of element.getAttribute(attribute).split(/\\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) problems.push(`${describe(element)}: ${attribute} names a missing id "${id}"`);
      }
    }
  }
  for (const label of document.querySelectorAll("label[for]")) {
    if (!document.getElementById(label.htmlFor)) problems.push(`label "${label.textContent.trim()}": for="${label.htmlFor}" names no element`);
  }
  for (const field of document.querySelectorAll("[aria-invalid=true]")) {
    const owner = field.closest("fieldset[aria-describedby]") || field;
    const ids = (owner.getAttribute("aria-describedby") || "").split(/\\s+/).filter(Boolean);
    const messages = ids.map((id) => document.getElementById(id)).filter((element) => element && element.classList.contains("error") && element.textContent.trim());
    if (!messages.length) problems.push(`${describe(field)}: marked invalid, but not described by its error message`);
  }
  return problems;
}"""


def broken_references(page):
    """Labels and ARIA references that lead nowhere, and invalid fields not tied to their error."""
    return page.evaluate(_REFERENCE_CHECK)

"""Content-Security-Policy: enforced on the site and the admin; inline script only with the
request's nonce on the site; the admin's policy adds only what Wagtail's admin needs."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import user_in
from tests.two_factor import log_in_staff

pytestmark = pytest.mark.django_db


def directives(response):
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_member_pages_allow_only_the_sites_own_scripts_and_styles(client):
    response = client.get("/member/login")

    policy = directives(response)
    assert "Content-Security-Policy-Report-Only" not in response.headers
    nonce = re.search(r'<script nonce="([^"]+)">', response.content.decode()).group(1)
    assert policy["script-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_each_response_has_its_own_nonce(client):
    first = directives(client.get("/member/login"))["script-src"]
    second = directives(client.get("/member/login"))["script-src"]
    assert first != second


def test_the_admin_gets_what_wagtails_admin_needs_and_nothing_from_elsewhere(client):
    log_in_staff(client, user_in("事務局"))

    policy = directives(client.get("/admin/"))

    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'self'"]


def test_report_only_mode_sends_the_same_policy_as_report_only(client, settings):
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY_MODE = True
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = settings.CONTENT_SECURITY_POLICY
    del settings.CONTENT_SECURITY_POLICY

    response = client.get("/member/login")

    assert "Content-Security-Policy" not in response.headers
    assert "script-src 'self' 'nonce-" in response.headers["Content-Security-Policy-Report-Only"]


def our_templates():
    root = Path(settings.BASE_DIR)
    for path in root.glob("**/templates/**/*.html"):
        parts = path.relative_to(root).parts
        if parts[0] in {".venv", "staticfiles", "node_modules"} or "pdf" in parts or "mail" in parts:
            continue
        if "gateway_sandbox" in parts or "admin" in parts or parts[0] == "imports":
            continue  # the stand-in gateway is another site; admin screens get the admin's policy
        yield path


def test_site_templates_have_no_inline_handlers_styles_or_scripts_without_the_nonce():
    offenders = []
    for path in our_templates():
        text = path.read_text()
        if re.search(r"\son[a-z]+\s*=", text) or re.search(r'\sstyle\s*=\s*"', text) or "<style" in text:
            offenders.append(str(path))
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and "csp_nonce" not in tag and 'type="application/json"' not in tag:
                offenders.append(f"{path}: {tag}")
    assert offenders == []

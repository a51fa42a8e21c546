"""The settings module: production refuses unsafe starts, and passes Django's deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" * 20 + "-production-secret-key-for-tests-only-0123456789"
PRODUCTION = {"DEBUG": "0", "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "members.example.jp"}
GMO = {
    "PAYMENT_GATEWAY": "gmo",
    "GMO_LINK_URL": "https://stg.link.mul-pay.jp",
    "GMO_API_URL": "https://pt01.mul-pay.jp",
    "GMO_SHOP_ID": "tshop00099999",
    "GMO_SHOP_PASS": "shop-pass-for-tests",
    "GMO_CONFIG_ID": "config-for-tests",
    "GMO_SITE_ID": "tsite00099999",
    "GMO_SITE_PASS": "site-pass-for-tests",
}


def run_manage(*args, **env):
    full_env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "PAYMENT_GATEWAY", "SANDBOX_NOTIFY_URL"}
        and not k.startswith("GMO_")
    }
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({}, "SECRET_KEY"),  # DEBUG unset means production: a forgotten DEBUG is not a dev server
        ({"DEBUG": "0", "ALLOWED_HOSTS": "members.example.jp"}, "SECRET_KEY"),
        ({"DEBUG": "0", "SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"DEBUG": "0", "SECRET_KEY": GOOD_KEY}, "ALLOWED_HOSTS"),
        # Production names its payment gateway, and it is never the sandbox.
        (PRODUCTION, "PAYMENT_GATEWAY must be set"),
        ({**PRODUCTION, "PAYMENT_GATEWAY": "sandbox"}, "PAYMENT_GATEWAY=sandbox is for development only"),
        ({**PRODUCTION, **GMO, "GMO_SHOP_PASS": ""}, "GMO_SHOP_PASS"),
        ({**PRODUCTION, **GMO, "GMO_LINK_URL": ""}, "GMO_LINK_URL"),
    ],
)
def test_production_refuses_to_start_without_secret_key_and_hosts(env, complaint):
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert complaint in result.stderr


def test_deploy_check_has_no_warnings_with_production_variables():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="members.example.jp",
        SITE_URL="https://members.example.jp",
        **GMO,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_time_zone_and_language():
    from django.conf import settings

    assert settings.TIME_ZONE == "Asia/Tokyo"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "ja"


def test_development_defaults_use_the_sandbox_gateway():
    from django.conf import settings

    if any(name == "PAYMENT_GATEWAY" or name.startswith("GMO_") for name in os.environ):
        pytest.skip("payment gateway settings come from the environment")

    assert settings.PAYMENT_GATEWAY == "sandbox"
    assert settings.GMO_LINK_URL == f"{settings.SITE_URL}/sandbox-gateway/link"
    assert settings.GMO_API_URL == f"{settings.SITE_URL}/sandbox-gateway/api"
    assert (settings.GMO_SHOP_ID, settings.GMO_SHOP_PASS, settings.GMO_CONFIG_ID) == (
        "tshop00000001",
        "sandbox-pass",
        "sandbox-config",
    )
    assert settings.SANDBOX_NOTIFY_URL == f"{settings.SITE_URL}/payments/gmo/notify"


def test_site_url_follows_the_port_make_run_serves_on():
    """`make run PORT=8101`: the gateway's return URLs and the printed logins name port 8101."""
    env = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "PORT", "GMO_LINK_URL", "GMO_API_URL"}}
    code = "from django.conf import settings; print(settings.SITE_URL, settings.GMO_LINK_URL)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**env, "DEBUG": "1", "PORT": "8101"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [
        "http://127.0.0.1:8101",
        "http://127.0.0.1:8101/sandbox-gateway/link",
    ]

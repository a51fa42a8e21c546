"""Settings: the payment gateway (docs/payment-gateway.md), imported by settings.py.

"gmo" is GMO Payment Gateway, link type Plus. "sandbox" is the stand-in gateway of
site/gateway_sandbox, served by this very site under /sandbox-gateway/ (development, tests,
`make run`). Production (DEBUG off) refuses the sandbox and must name the gateway.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from config.env import DEBUG, SITE_URL, env_bool, env_int

PAYMENT_GATEWAY = os.environ.get("PAYMENT_GATEWAY", "").strip().lower() or ("sandbox" if DEBUG else "")
if PAYMENT_GATEWAY not in {"gmo", "sandbox"}:
    raise ImproperlyConfigured(
        "PAYMENT_GATEWAY must be set to 'gmo' when DEBUG is off (it is 'gmo' or 'sandbox')."
        if not PAYMENT_GATEWAY
        else f"PAYMENT_GATEWAY must be 'gmo' or 'sandbox', not {PAYMENT_GATEWAY!r}."
    )
if PAYMENT_GATEWAY == "sandbox" and not DEBUG:
    raise ImproperlyConfigured("PAYMENT_GATEWAY=sandbox is for development only; production must use 'gmo'.")

if PAYMENT_GATEWAY == "gmo":

    def _gmo_setting(name):
        value = os.environ.get(name, "").strip()
        if not value:
            raise ImproperlyConfigured(f"{name} must be set when PAYMENT_GATEWAY is 'gmo'.")
        return value

    GMO_LINK_URL = _gmo_setting("GMO_LINK_URL").rstrip("/")
    GMO_API_URL = _gmo_setting("GMO_API_URL").rstrip("/")
    GMO_SHOP_ID = _gmo_setting("GMO_SHOP_ID")
    GMO_SHOP_PASS = _gmo_setting("GMO_SHOP_PASS")
    GMO_CONFIG_ID = _gmo_setting("GMO_CONFIG_ID")
    GMO_SITE_ID, GMO_SITE_PASS = _gmo_setting("GMO_SITE_ID"), _gmo_setting("GMO_SITE_PASS")  # card-on-file site
else:
    GMO_LINK_URL = (os.environ.get("GMO_LINK_URL", "") or f"{SITE_URL}/sandbox-gateway/link").rstrip("/")
    GMO_API_URL = (os.environ.get("GMO_API_URL", "") or f"{SITE_URL}/sandbox-gateway/api").rstrip("/")
    GMO_SHOP_ID = os.environ.get("GMO_SHOP_ID", "") or "tshop00000001"
    GMO_SHOP_PASS = os.environ.get("GMO_SHOP_PASS", "") or "sandbox-pass"
    GMO_CONFIG_ID = os.environ.get("GMO_CONFIG_ID", "") or "sandbox-config"
    GMO_SITE_ID, GMO_SITE_PASS = os.environ.get("GMO_SITE_ID", "tsite00000001"), "sandbox-site-pass"
AUTOPAY_NOTICE_DAYS = env_int("AUTOPAY_NOTICE_DAYS", 7)  # 自動継続: the pre-charge mail, days ahead
# Where the sandbox gateway sends its result notifications: the shop's notification URL.
SANDBOX_NOTIFY_URL = os.environ.get("SANDBOX_NOTIFY_URL", "") or f"{SITE_URL}/payments/gmo/notify"
# The sandbox's own database (`make run` and the browser tests set it): the sandbox plays
# another site, and must not share our SQLite file. Our billing code asks the gateway to void
# an attempt while holding the attempt's row lock (membership/billing/attempts.py); on SQLite
# that lock is the whole file, so the sandbox could not record the void. Without it (unit
# tests, or PostgreSQL) the sandbox's tables are in the default database. settings.py adds
# it to DATABASES, with its router.
SANDBOX_DATABASE_URL = os.environ.get("SANDBOX_DATABASE_URL", "") if PAYMENT_GATEWAY == "sandbox" else ""
# Notifications caused by an API call of ours (void: AlterTran, CvsCancel) are sent from a
# background thread shortly after the sandbox answered, as the real gateway notifies on its own
# time: we ask while holding the attempt's lock, which the notification's handling waits for.
# Off in the unit tests, which deliver in-process right after the sandbox's commit.
SANDBOX_NOTIFY_AFTER_ANSWER = env_bool("SANDBOX_NOTIFY_AFTER_ANSWER", bool(SANDBOX_DATABASE_URL))

"""What every settings module reads first: the environment-variable helpers, ``DEBUG`` and ``SITE_URL``.

``settings.py`` and its areas (``security.py``, ``payment_gateway.py``) import these from here,
so that each variable is read once.
"""

import os


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Off unless asked for: a deployment that forgets DEBUG must not run with the development
# key, the sandbox gateway and the demo data (`make` sets DEBUG=1 for its targets).
DEBUG = env_bool("DEBUG", False)

# Absolute URL of the site, used in mails (password reset, notices), QR codes and the payment
# gateway's return URLs. In development it follows PORT (``make run PORT=8101`` exports it), so
# that the sandbox gateway's buttons come back to the server actually running.
SITE_URL = (os.environ.get("SITE_URL", "") or f"http://127.0.0.1:{os.environ.get('PORT', '8000')}").rstrip("/")

import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
for path in (BASE_DIR, BASE_DIR / "site"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()

if settings.PAYMENT_GATEWAY == "sandbox":
    # The stand-in gateway's server-to-server API skips the site's middleware, as the real
    # gateway (another company's server) would (gateway_sandbox/wsgi.py).
    from gateway_sandbox.wsgi import with_gateway_api  # noqa: E402

    application = with_gateway_api(application)

from core import worker  # noqa: E402

worker.prepare()  # last: what it freezes is what the worker keeps

"""Settings: sessions, HTTPS and security headers, Content-Security-Policy (imported by settings.py).

The secret key and allowed hosts stay in settings.py, which refuses a production start
without them before it imports this module.
"""

from csp import constants as csp

from config.env import DEBUG, env_bool, env_int

SESSION_ENGINE = "core.sessions"  # in the database (a logout ends it in every process), one plain SELECT
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 8)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"  # Wagtail's preview opts itself into same-origin framing
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# Content-Security-Policy (django-csp, core/csp.py): only the site's own scripts, styles,
# images and fonts; an inline script runs only with the request's nonce (``request.csp_nonce``).
# The admin adds Wagtail's needs: its widgets' inline scripts and styles, blob: previews, self-framing.
# CSP_REPORT_ONLY=1 sends the same policies as report-only (to try a change in production).
_CSP_SITE = {
    "default-src": [csp.SELF],
    "script-src": [csp.SELF, csp.NONCE],
    "style-src": [csp.SELF],
    "img-src": [csp.SELF, "data:"],
    "font-src": [csp.SELF],
    "connect-src": [csp.SELF],
    "frame-src": [csp.SELF],
    "object-src": [csp.NONE],
    "base-uri": [csp.SELF],
    "form-action": [csp.SELF],
    "frame-ancestors": [csp.NONE],
}
_CSP_ADMIN = {
    **_CSP_SITE,
    "script-src": [csp.SELF, csp.UNSAFE_INLINE],
    "style-src": [csp.SELF, csp.UNSAFE_INLINE],
    "img-src": [csp.SELF, "data:", "blob:"],
    "frame-ancestors": [csp.SELF],
}
CONTENT_SECURITY_POLICY_REPORT_ONLY_MODE = env_bool("CSP_REPORT_ONLY", False)
CONTENT_SECURITY_POLICY_ADMIN_PREFIX = "/admin/"
CONTENT_SECURITY_POLICY_ADMIN = {"DIRECTIVES": _CSP_ADMIN}
# The stand-in gateway plays another site (the real gateway sends its own policy).
_CSP = {"EXCLUDE_URL_PREFIXES": ["/sandbox-gateway/"], "DIRECTIVES": _CSP_SITE}
if CONTENT_SECURITY_POLICY_REPORT_ONLY_MODE:
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP
else:
    CONTENT_SECURITY_POLICY = _CSP
# Nothing of the admin fetches from elsewhere: no avatars from gravatar.com, no version check against wagtail.io.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False

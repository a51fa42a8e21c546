"""Content-Security-Policy (django-csp) with a second policy for the Wagtail admin.

The site's pages (public pages, the members area, our staff pages) get
``CONTENT_SECURITY_POLICY``: only the site's own scripts and styles, inline script only with
the request's nonce. The admin's pages (``CONTENT_SECURITY_POLICY_ADMIN_PREFIX``) get
``CONTENT_SECURITY_POLICY_ADMIN``, which adds what Wagtail's admin needs: its widgets (date
pickers, inline panels) write inline scripts and styles without a nonce. With
``CONTENT_SECURITY_POLICY_REPORT_ONLY_MODE`` (env ``CSP_REPORT_ONLY``) both policies are sent as ``Content-Security-Policy-Report-Only`` instead.

Wagtail's preview renders a page through the whole middleware chain in a dummy request for the
page's public URL (``request.is_dummy``), and the admin shows what it answers in an iframe of
its editor. That response keeps the site's policy but may be framed by the site's own pages
(``frame-ancestors 'self'``): with the site's ``'none'`` the editor's preview panel stayed empty.
"""

from csp import constants
from csp.middleware import CSPMiddleware
from django.conf import settings


class SiteAndAdminCSPMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        enforced = not getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY_MODE", False)
        if report_only == enforced:
            return parts  # the other header: its setting is empty, no policy
        admin_prefix = getattr(settings, "CONTENT_SECURITY_POLICY_ADMIN_PREFIX", "")
        if parts.config is None and admin_prefix and request.path_info.startswith(admin_prefix):
            parts.config = settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"]
        if getattr(request, "is_dummy", False):  # Wagtail's preview, shown in the admin's iframe
            parts.replace = {**(parts.replace or {}), "frame-ancestors": [constants.SELF]}
        return parts

"""The sandbox's server-to-server API (``sandbox-gateway/api/…``) served without the site's middleware.

The real gateway is another company's server: its API never runs our sessions, login, CSRF,
two-factor gate, messages, CSP or Wagtail redirects. Mounted inside our app, the sandbox's API
calls would pay for all of them on every charge (EntryTran, ExecTran, the trade-status query).
``with_gateway_api`` wraps the site's WSGI application so that those paths go to a handler with no
middleware; the gateway's pages that a browser opens (checkout, card registration, console) keep
the site's middleware, which their forms need.
"""

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.urls import reverse


class GatewayAPIHandler(WSGIHandler):
    """A WSGI handler for the sandbox's API views: URL resolution and the view, nothing around it."""

    def load_middleware(self, is_async=False):
        self._view_middleware, self._template_response_middleware, self._exception_middleware = [], [], []
        self._middleware_chain = convert_exception_to_response(self._get_response)


def api_prefix():
    """The path every API call of the sandbox starts with (``/sandbox-gateway/api/``)."""
    return reverse("gateway_sandbox:search_trade").rsplit("payment/", 1)[0]


def with_gateway_api(application):
    """``application``, except that the sandbox's API paths are answered by ``GatewayAPIHandler``."""
    api, prefix = GatewayAPIHandler(), api_prefix()

    def dispatch(environ, start_response):
        if environ.get("PATH_INFO", "").startswith(prefix):
            return api(environ, start_response)
        return application(environ, start_response)

    return dispatch

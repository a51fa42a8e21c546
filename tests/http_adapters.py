"""``requests`` transport adapters for tests: fake servers without a network.

- ``RecordingAdapter(responder)``: records every request and answers with ``responder``.
- ``DjangoAppAdapter(base_url)``: serves requests under ``base_url`` with this Django app,
  in-process, through ``django.test.Client``.

Mount them on the session the code under test uses, for the duration of a test::

    with mounted(gateway_sandbox.delivery.http, settings.SITE_URL, DjangoAppAdapter()):
        ...

``requests`` picks the mounted adapter with the longest matching URL prefix.
"""

import io
import threading
from contextlib import contextmanager
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers


def build_response(request, status, body=b"", headers=None, reason=None, adapter=None):
    """A ``requests.Response`` for ``request``, as if a server had answered."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    response = requests.Response()
    response.status_code = status
    response.reason = reason or ""
    response.headers = CaseInsensitiveDict(headers or {})
    response._content = body
    response._content_consumed = True
    response.raw = io.BytesIO(body)
    response.encoding = get_encoding_from_headers(response.headers)
    response.url = request.url
    response.request = request
    response.connection = adapter
    return response


def body_bytes(request):
    body = request.body
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, bytes):
        return body
    return b"".join(chunk.encode("utf-8") if isinstance(chunk, str) else chunk for chunk in body)


def acknowledge(request):
    """The default responder: HTTP 200 with ``0`` (how a shop acknowledges a notification)."""
    return 200, "0"


class RecordingAdapter(BaseAdapter):
    """Records requests and answers with ``responder(request)``.

    ``responder`` gets the ``PreparedRequest`` and returns ``(status, body)``,
    ``(status, body, headers)`` or a ``requests.Response``; it may raise, e.g.
    ``requests.ConnectionError``, to play a server that does not answer.
    """

    def __init__(self, responder=acknowledge):
        super().__init__()
        self.responder = responder
        self.requests = []

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        self.requests.append(request)
        answer = self.responder(request)
        if isinstance(answer, requests.Response):
            return answer
        status, body, *rest = answer
        headers = rest[0] if rest else {"Content-Type": "text/plain; charset=utf-8"}
        return build_response(request, status, body, headers, adapter=self)

    def close(self):
        pass

    def forms(self):
        """The recorded request bodies, decoded as forms (dicts of str)."""
        return [
            dict(parse_qsl(body_bytes(request).decode("utf-8"), keep_blank_values=True)) for request in self.requests
        ]


class DjangoAppAdapter(BaseAdapter):
    """Routes requests whose URL starts with ``base_url`` into this Django app, in-process.

    Each request goes through a ``django.test.Client`` with its cookies cleared (none carried
    over, as between two servers; one client per thread, so that the middleware chain is built
    once, as in a real server process), with CSRF checks enforced as for a real client, the host and
    scheme taken from the URL, and the URL's path passed as is. Uncaught exceptions in a
    view become HTTP 500 answers (and are logged), as from a real server.
    """

    def __init__(self, base_url=None, *, enforce_csrf_checks=True):
        super().__init__()
        self._base_url = base_url
        self.enforce_csrf_checks = enforce_csrf_checks
        self.requests = []
        self._local = threading.local()

    def _client(self):
        from django.test import Client

        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = Client(
                enforce_csrf_checks=self.enforce_csrf_checks, raise_request_exception=False
            )
        client.cookies.clear()
        return client

    @property
    def base_url(self):
        if self._base_url is None:
            from django.conf import settings

            return settings.SITE_URL
        return self._base_url

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        if not request.url.startswith(self.base_url):
            raise requests.ConnectionError(
                f"{request.url} is not served by this app ({self.base_url})", request=request
            )
        self.requests.append(request)
        url = urlsplit(request.url)
        path = url.path or "/"
        if url.query:
            path = f"{path}?{url.query}"
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() not in {"content-type", "content-length", "host"}
        }
        django_response = self._client().generic(
            request.method,
            path,
            data=body_bytes(request),
            content_type=request.headers.get("Content-Type", ""),
            secure=url.scheme == "https",
            headers={**headers, "Host": url.netloc},
        )
        if getattr(django_response, "streaming", False):
            content = b"".join(django_response.streaming_content)
        else:
            content = django_response.content
        response = build_response(
            request,
            django_response.status_code,
            content,
            dict(django_response.items()),
            reason=django_response.reason_phrase,
            adapter=self,
        )
        for morsel in django_response.cookies.values():
            response.cookies.set(morsel.key, morsel.value, domain=url.hostname, path=morsel["path"] or "/")
        return response

    def close(self):
        pass


@contextmanager
def mounted(session, prefix, adapter):
    """Mount ``adapter`` on ``session`` for URLs starting with ``prefix``, then restore."""
    previous = session.adapters.get(prefix)
    session.mount(prefix, adapter)
    try:
        yield adapter
    finally:
        if previous is None:
            session.adapters.pop(prefix, None)
        else:
            session.mount(prefix, previous)

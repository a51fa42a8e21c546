"""A server process made ready for its requests (``config.wsgi``, imported by each gunicorn
worker): what the first request would load lazily is loaded, and the heap as it then stands is
frozen out of the garbage collector's sight (``gc.freeze``).

Why: a worker holds some 200,000 objects that live as long as it does (Django, Wagtail, the
URLconf, the font). Python's collector walks all of them in every full collection, and a
request that allocates much (a PDF: xhtml2pdf makes objects per character) triggered about one
full collection each, 14% of a points PDF's time (measured with ``gc.callbacks``: 5.1 ms of
36 ms; 0.5 ms frozen). Frozen objects are never collected, which costs nothing for objects
that live as long as the process anyway; what a request leaves behind is collected as before.
"""

import gc


def prepare():
    """Load the URLconf (every view module) and the PDF font, then collect and freeze."""
    from django.urls import get_resolver

    from .pdf import register_font

    get_resolver().url_patterns  # noqa: B018 -- evaluated for its imports
    register_font()
    gc.collect()
    gc.freeze()

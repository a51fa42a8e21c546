"""Requests and PDF renders run in a stack chunk of their own, so that their speed does not
depend on how deep the code that calls them happens to be.

CPython 3.11 keeps a thread's frames in a stack of chunks (16 KB each) and frees a chunk as soon
as the frame at its base returns. Code that keeps calling functions right across a chunk's
boundary (a template's loop over its rows, xhtml2pdf's walk over a document) then maps and
unmaps a chunk for every call: python/cpython#142183, which later 3.13 releases and 3.14 fix by
keeping one chunk spare (3.12 and 3.11 are not fixed). Where the boundaries fall depends on the
depth of the caller, so the same page took one time or twice that depending on what called it
(measured through Django's handler: the dashboard 10 to 21 ms, 593 chunks unmapped per request
at the worst depth and none at others; a points PDF 12 to 30 ms). Under gunicorn no page hits it
today; this keeps it so whatever middleware or view is added. ``make bench`` prints
``request_minor_faults_worst_depth`` (with and without).

``in_a_stack_chunk_of_its_own(function)`` calls ``function`` from a frame of FRAME_SLOTS slots:
it cannot fit in what is left of any 16 KB chunk, so Python gives it a new chunk of 128 KB of
which it fills half, and everything ``function`` calls stays inside the rest (measured with
strace: no chunk mapped beyond it for the dashboard or a points PDF). It costs one chunk mapped
and unmapped per call, the same at any depth. A streaming response's content is produced after
the middleware has returned, outside the chunk.
"""

# 64 KB of frame: with the 8 KB Python adds to a chunk request, a 128 KB chunk, about 67 KB of
# which (8,000 slots) are left for what it calls. At 7,180 slots or fewer the chunk is 64 KB
# and 8 KB are left.
FRAME_SLOTS = 8_000

_namespace = {"__name__": __name__}
# A function with FRAME_SLOTS local variables, which it never assigns: declaring them is what
# sizes its frame, and Python has no other way to declare them than naming them in its body.
_SOURCE = (
    "def in_a_stack_chunk_of_its_own(function):\n"
    "    if False:\n"
    f"        {' = '.join(f'_{slot}' for slot in range(FRAME_SLOTS))} = None\n"
    "    return function()\n"
)
exec(compile(_SOURCE, __file__, "exec"), _namespace)  # noqa: S102 -- generated from the constant above
in_a_stack_chunk_of_its_own = _namespace["in_a_stack_chunk_of_its_own"]
in_a_stack_chunk_of_its_own.__doc__ = "``function()``, called in a stack chunk of its own (see the module)."


class StackChunkMiddleware:
    """First in MIDDLEWARE: the whole of every request is handled in a stack chunk of its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return in_a_stack_chunk_of_its_own(lambda: self.get_response(request))

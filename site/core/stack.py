"""Requests and PDF renders run in a stack chunk of their own, so that their speed does not
depend on how deep the code that calls them happens to be.

CPython 3.11 keeps a thread's frames in a stack of chunks (16 KB each) and frees a chunk as
soon as the frame at its base returns. Code that keeps calling functions right across a chunk's
boundary (a template's loop over its rows, xhtml2pdf's walk over a document) then maps and
unmaps a chunk for every call: python/cpython#142183, fixed in 3.13 and later, which keep one
chunk spare. Where the boundaries fall depends on the depth of the caller, so the same page took
one time or twice that depending on what called it (measured through Django's handler: the
dashboard 10 to 21 ms, 593 chunks unmapped per request at the worst depth and none at others; a
points PDF 12 to 30 ms). ``make bench`` prints ``request_depth_spread``.

``in_a_stack_chunk_of_its_own(function)`` calls ``function`` from a frame of FRAME_SLOTS slots:
it cannot fit in what is left of any 16 KB chunk, so Python gives it a new chunk of 128 KB of
which it fills half, and everything ``function`` calls (a request is a few
thousand slots deep) stays inside the rest. It costs one chunk mapped and unmapped per call
(tens of microseconds), the same at any depth.
"""

# 64 KB of frame: with the 8 KB Python adds to a chunk request, a 128 KB chunk, about 67 KB of
# which (8,000 slots) are left for what it calls. At 7,200 slots or fewer the chunk is 64 KB
# and 8 KB are left.
FRAME_SLOTS = 8_000

_namespace = {}
# A function with FRAME_SLOTS local variables, which it never assigns: declaring them is what
# sizes its frame, and Python has no other way to declare them than naming them in its body.
exec(  # noqa: S102 -- generated from the constant above, no outside input
    "def in_a_stack_chunk_of_its_own(function):\n"
    "    if False:\n"
    f"        {' = '.join(f'_{slot}' for slot in range(FRAME_SLOTS))} = None\n"
    "    return function()\n",
    _namespace,
)
in_a_stack_chunk_of_its_own = _namespace["in_a_stack_chunk_of_its_own"]
in_a_stack_chunk_of_its_own.__doc__ = "``function()``, called in a stack chunk of its own (see the module)."


class StackChunkMiddleware:
    """First in MIDDLEWARE: the whole of every request is handled in a stack chunk of its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return in_a_stack_chunk_of_its_own(lambda: self.get_response(request))

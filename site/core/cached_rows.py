"""Rows that nearly every page shows and staff rarely change (the site, its settings, the
latest notices), read from Django's cache instead of the database on each request.

With the default cache (each process's memory) an edit shows at once in the process that saved
it (saving or deleting a row of the watched models drops the entry there, and again when the
transaction commits) and within ``SECONDS`` in the other gunicorn workers; with a cache that
every worker shares (Redis, memcached in ``CACHES``) at once everywhere.

For what a page shows only: a service that decides something with a setting (a fee, a rule
applied in its transaction) reads the row itself.
"""

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

SECONDS = 5
_MISSING = object()
# Parts kept under one entry (sites by host name): more means someone is making them up.
MAX_PARTS = 50


class CachedRows:
    """One cache entry, dropped whenever a row of ``models`` is saved or deleted.

    ``get(compute)`` returns the cached value or ``compute()``'s; ``get(compute, part=key)``
    keeps a value per ``key`` (e.g. per site) under the same entry. The cache hands out a copy
    each time (it pickles), so a caller may change what it got."""

    def __init__(self, name, *, models, seconds=SECONDS):
        self.key = f"cached-rows:{name}"
        self.seconds = seconds
        for model in models:
            post_save.connect(self.forget, sender=model, weak=False)
            post_delete.connect(self.forget, sender=model, weak=False)

    def get(self, compute, *, part=None):
        if part is None:
            value = cache.get(self.key, _MISSING)
            if value is _MISSING:
                value = compute()
                cache.set(self.key, value, self.seconds)
            return value
        parts = cache.get(self.key) or {}
        if part not in parts:
            if len(parts) >= MAX_PARTS:
                parts = {}
            parts[part] = compute()
            cache.set(self.key, parts, self.seconds)
        return parts[part]

    def forget(self, using=None, **kwargs):
        """Drop the entry now (this process reads its own change) and once the change is
        committed (what another request cached meanwhile was read before it)."""
        cache.delete(self.key)
        transaction.on_commit(lambda: cache.delete(self.key), using=using)

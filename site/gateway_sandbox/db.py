"""The sandbox's transactions run on the database its records are in (see ``routers``).

Every transaction, ``on_commit`` and ``select_for_update`` of the sandbox goes through here
or through the ORM's routing: with a database of its own, ``transaction.atomic()`` on the
default database would neither cover the sandbox's writes nor hold its row locks.
"""

import functools

from django.db import router, transaction

from .models import SandboxTrade


def alias():
    """The database the sandbox's records are in (``default`` unless the settings add ``sandbox``)."""
    return router.db_for_write(SandboxTrade)


def atomic(function):
    """``transaction.atomic`` on the sandbox's database, as a decorator."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with transaction.atomic(using=alias()):
            return function(*args, **kwargs)

    return wrapper


def on_commit(callback):
    """Run ``callback`` once the sandbox's current transaction commits (at once outside one)."""
    transaction.on_commit(callback, using=alias())

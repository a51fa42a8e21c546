"""Throttling the public forms that mail someone or reveal something (guest sign-up, password
reset): the one owner of "how many requests under this key in this window".

A request is counted under several keys of different kinds (the e-mail address typed, the
member number typed, the network address it came from); each kind has its own limit and window.
The caller decides what going over a limit means: refusing with a message (a network address
sending many requests), or answering as usual without mailing anyone (an address or number
typed again and again, so that the form cannot be used to mail-bomb someone or to tell what is
registered). Keys are stored only as hashes, and for at most ``KEEP`` (no window may be longer).
"""

import datetime
import hashlib
from dataclasses import dataclass

from django.utils import timezone

from .models import ThrottleHit

KEEP = datetime.timedelta(days=1)

EMAIL = "email"
LOGIN_ID = "login_id"
IP_ADDRESS = "ip"


@dataclass(frozen=True)
class Limit:
    """At most ``count`` requests under one key of ``kind`` within ``window``."""

    kind: str
    count: int
    window: datetime.timedelta

    def __post_init__(self):
        if self.window > KEEP:
            raise ValueError(f"A throttle window is at most {KEEP}.")


def key_hash(kind, value):
    """The stored form of a key: e-mail addresses compare without case."""
    text = str(value).strip()
    if kind == EMAIL:
        text = text.lower()
    return hashlib.sha256(text.encode()).hexdigest()


def over_limits(*, purpose, keys, limits):
    """The kinds among ``keys`` ({kind: value}; empty values are not counted) that have already
    reached their limit for ``purpose``."""
    now = timezone.now()
    over = set()
    for limit in limits:
        value = keys.get(limit.kind)
        if not value:
            continue
        recent = ThrottleHit.objects.filter(
            purpose=purpose,
            kind=limit.kind,
            key_hash=key_hash(limit.kind, value),
            created_at__gte=now - limit.window,
        ).count()
        if recent >= limit.count:
            over.add(limit.kind)
    return over


def record(*, purpose, keys):
    """Count one request under each of ``keys``; rows older than ``KEEP`` go."""
    now = timezone.now()
    ThrottleHit.objects.filter(created_at__lt=now - KEEP).delete()
    ThrottleHit.objects.bulk_create(
        ThrottleHit(purpose=purpose, kind=kind, key_hash=key_hash(kind, value), created_at=now)
        for kind, value in keys.items()
        if value
    )


def last_hit(*, purpose, kind, value):
    """When a request was last counted under this key (None: not within ``KEEP``)."""
    return (
        ThrottleHit.objects.filter(purpose=purpose, kind=kind, key_hash=key_hash(kind, value))
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )


def forget(*, purpose, kind, value):
    """Forget the requests counted under this key."""
    ThrottleHit.objects.filter(purpose=purpose, kind=kind, key_hash=key_hash(kind, value)).delete()

"""The money area's domain error."""

from core.errors import DomainError


class BillingError(DomainError):
    """An operation the member or staff asked for cannot be done; the message says why (Japanese)."""

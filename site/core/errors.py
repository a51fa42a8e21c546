class DomainError(Exception):
    """A request the rules refuse; the message is Japanese and shown to the user as it is.

    Each area raises its own subclass (``BillingError``, ``ApplicationError``,
    ``RenewalError``, ...); the admin kit's action forms show any of them next to the form.
    """

"""Login id handling shared by the login form, the account manager and django-axes."""

import unicodedata


def normalize_login_id(value):
    """Full-width digits and letters become half-width and surrounding spaces go.

    Leading zeros are kept: member numbers are strings (``0012345``).
    """
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def axes_username(request, credentials):
    """The login id django-axes counts failures against, normalised like the form does."""
    if credentials and credentials.get("username") is not None:
        return normalize_login_id(credentials["username"])
    return normalize_login_id(request.POST.get("username", ""))

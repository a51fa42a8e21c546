"""Login id handling shared by the login form, the account manager and django-axes."""

import re
import unicodedata

# Guest numbers (``G0000001``): the letter is upper-case however it is typed.
GUEST_LOGIN_ID = re.compile(r"[gG][0-9]+")


def normalize_login_id(value):
    """Full-width digits and letters become half-width and surrounding spaces go.

    Leading zeros are kept: member numbers are strings (``0012345``). A guest number typed
    in lower case (``g0000001``) becomes upper case; other ids (staff names) keep their case.
    """
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if GUEST_LOGIN_ID.fullmatch(text):
        return text.upper()
    return text


def axes_username(request, credentials):
    """The login id django-axes counts failures against, normalised like the form does."""
    if credentials and credentials.get("username") is not None:
        return normalize_login_id(credentials["username"])
    return normalize_login_id(request.POST.get("username", ""))

"""デジタル会員証 (guide 8): the member's card, and the public page behind its QR code."""

from axes.helpers import get_client_ip_address
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .. import card as member_card
from ..shell import members_area


@members_area(guest_members=False)
@never_cache  # a status change must show at once, never a cached valid-looking card
def card(request):
    member = request.user.member
    return render(
        request,
        "membership/card.html",
        {
            "member": member,
            "state": member_card.card_state(member, timezone.localdate()),
            "qr_svg": member_card.qr_svg(member_card.verify_url(member)),
            "shown_at": timezone.localtime(),
        },
    )


@never_cache
@require_http_methods(["GET", "HEAD"])
def card_verify(request, token):
    """Public page behind the card's QR code: who, and whether the card is valid today."""
    # The address as login lockouts see it (behind a proxy: AXES_PROXY_COUNT), else the peer's.
    ip_address = get_client_ip_address(request) or request.META.get("REMOTE_ADDR")
    try:
        verification = member_card.verify(token=token, today=timezone.localdate(), ip_address=ip_address)
    except member_card.TooManyCardChecks as error:
        response = render(request, "membership/card_verify.html", {"refusal": str(error)}, status=429)
    except member_card.InvalidCardToken:
        response = render(request, "membership/card_verify.html", {"verification": None}, status=404)
    else:
        response = render(
            request,
            "membership/card_verify.html",
            {"verification": verification, "checked_at": timezone.localtime()},
        )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response

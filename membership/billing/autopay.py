"""自動継続: the member's card on file at the gateway (register, replace, stop).

The card is typed into the gateway's own page (link type Plus member edit) and stored there
under our member id; we keep only what the gateway's card query reports (masked number,
expiry). Registering and replacing are the same: the member goes to the gateway's page, comes
back, and ``confirm_card`` asks the gateway what it now holds. ``stop_autopay`` deletes the card
at the gateway and turns automatic payment off; a charge not yet made is then skipped.
"""

import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from wagtail.log_actions import log

from .. import gateway_autopay
from ..gateway import GatewayError
from ..models import AutoPay
from .errors import BillingError

AUTOPAY_STARTED_ACTION = "membership.autopay.started"
AUTOPAY_CARD_ACTION = "membership.autopay.card_changed"
AUTOPAY_STOPPED_ACTION = "membership.autopay.stopped"

GATEWAY_UNREACHABLE = "決済会社に接続できませんでした。しばらくしてからもう一度お試しください。"


def gateway_member_id(member):
    """Our member id at the gateway: stable (the primary key), no personal data."""
    return f"JM{member.pk:010d}"


def card_page_url(*, member):
    """Where the member registers or replaces the card: the gateway's page (its member exists first)."""
    member_id = gateway_member_id(member)
    try:
        gateway_autopay.ensure_member(member_id=member_id, name=member.alternate_name or member.full_name)
    except GatewayError as error:
        raise BillingError(GATEWAY_UNREACHABLE) from error
    with transaction.atomic():
        autopay, _created = AutoPay.objects.select_for_update().get_or_create(
            member=member, defaults={"gateway_member_id": member_id}
        )
        if autopay.state == AutoPay.State.STOPPED:
            autopay.state = AutoPay.State.REGISTERING
            autopay.save(update_fields=["state", "updated_at"])
    return gateway_autopay.card_edit_url(
        member_id=member_id,
        edit_no=secrets.token_hex(8),
        return_url=f"{settings.SITE_URL}{reverse('member:autopay_return')}",
        cancel_url=f"{settings.SITE_URL}{reverse('member:dues')}",
    )


@transaction.atomic
def confirm_card(*, member):
    """Back from the gateway's page: store what its card query reports; a card there turns
    automatic payment on (or keeps it on with the new card). Returns the ``AutoPay`` or None."""
    autopay = AutoPay.objects.select_for_update().filter(member=member).first()
    if autopay is None or autopay.state == AutoPay.State.STOPPED:
        return autopay
    try:
        card = gateway_autopay.search_card(member_id=autopay.gateway_member_id)
    except GatewayError as error:
        raise BillingError(GATEWAY_UNREACHABLE) from error
    if card is None:
        return autopay
    before = (autopay.card_seq, autopay.card_number_masked, autopay.card_expire)
    now = timezone.now()
    autopay.card_seq, autopay.card_number_masked, autopay.card_expire = card.card_seq, card.masked_number, card.expire
    autopay.card_checked_at = now
    starting = autopay.state != AutoPay.State.ACTIVE
    if starting:
        autopay.state, autopay.started_at, autopay.stopped_at = AutoPay.State.ACTIVE, now, None
    autopay.save()
    if starting or before != (card.card_seq, card.masked_number, card.expire):
        data = {"card": card.masked_number, "expire": card.expire}
        log(instance=autopay, action=AUTOPAY_STARTED_ACTION if starting else AUTOPAY_CARD_ACTION,
            user=member.user, data=data)  # fmt: skip
    return autopay


@transaction.atomic
def stop_autopay(*, member, user=None):
    """Stop automatic payment: the card is deleted at the gateway, nothing more is charged."""
    autopay = AutoPay.objects.select_for_update().filter(member=member).first()
    if autopay is None or autopay.state == AutoPay.State.STOPPED:
        raise BillingError("自動払いは登録されていません。")
    try:
        card = gateway_autopay.search_card(member_id=autopay.gateway_member_id)
        if card is not None:
            gateway_autopay.delete_card(member_id=autopay.gateway_member_id, card_seq=card.card_seq)
    except GatewayError as error:
        raise BillingError(GATEWAY_UNREACHABLE) from error
    stopped_card = autopay.card_number_masked
    autopay.state, autopay.stopped_at = AutoPay.State.STOPPED, timezone.now()
    autopay.card_seq = autopay.card_number_masked = autopay.card_expire = ""
    autopay.save()
    log(instance=autopay, action=AUTOPAY_STOPPED_ACTION, user=user or member.user, data={"card": stopped_card})
    return autopay

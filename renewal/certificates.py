"""出席証明書 (attendance certificate): who may get one, its PDF, and the public check behind its QR code.

Who: a member downloads the certificate of a registration of their own that is marked 参加済
(live and attended) from the participation list or the points page; staff issue the same
certificate for any credit in the admin, notably a paper certificate's credit (no session).
Either way the certificate is of a ``Credit``: the points it prints are the points counted.

The QR code leads to a public page (``verify``) whose token is ``<credit pk>.<tag><stamp>``:

- ``tag``: an HMAC of the credit's pk alone (64 bits, own salt). Without the secret key no
  token of another credit can be made, so tokens can be neither forged nor enumerated;
- ``stamp``: an HMAC of what the certificate prints (member, session or title, category,
  points, date). A correction of the credit changes it.

Valid (有効) means: the credit the certificate was made from is still recorded, unchanged.
A credit deleted since (an attendance import undone, a paper certificate deleted by staff)
reads as 取消 (revoked), a corrected one as 内容訂正; both are invalid. Each issue's history
entry keeps the stamp it printed, so a stamp that matches no certificate ever issued of the
credit (an altered QR code) is refused as one we did not make, not read as a correction.
The page shows only the name, the session, the date and the points, and is throttled per
network address like the member card's (``membership.card``).
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from cms_pages.models import society_name
from core.errors import DomainError
from core.pdf import render_pdf
from membership import throttle
from membership.card import CHECK_LIMITS, TooManyCardChecks

from .models import Credit, Registration
from .tickets import qr_data_uri

TOKEN_SALT = "renewal.certificates.verify"  # no other HMAC of the project can pass for this one
TAG_LENGTH = 16  # hex characters: 64 bits naming the credit
STAMP_LENGTH = 8  # hex characters: what it printed
_TOKEN = re.compile(
    rf"^(?P<pk>[1-9][0-9]{{0,11}})\.(?P<tag>[0-9a-f]{{{TAG_LENGTH}}})(?P<stamp>[0-9a-f]{{{STAMP_LENGTH}}})$"
)
CERTIFICATE_CHECK = "certificate_check"  # the throttle's purpose (the card's limits)
ISSUED_ACTION = "renewal.credit.certificate_issued"
CREDIT_RELATED = ("member", "credit_category", "session__seminar")

# Verification states.
VALID, REVOKED, CORRECTED = "valid", "revoked", "corrected"


class CertificateRefused(DomainError):
    """No certificate for this registration; the message says why."""


class InvalidCertificateToken(Exception):
    """A token not made by ``make_token`` (tampered, truncated, guessed)."""


TooManyCertificateChecks = TooManyCardChecks  # the same limit and message as the card's page


def certificate_refusal(registration):
    """Why the member gets no certificate for ``registration`` (a Japanese sentence), or None."""
    if registration.state != Registration.State.APPLIED or registration.attended_at is None:
        return "出席証明書は参加済の学会・セミナーについてのみ発行できます。"
    return None


def attended_registrations(*, member, session_ids):
    """{session id: registration id} of ``member``'s attended registrations among ``session_ids``
    (one query): which rows of the points page offer a certificate."""
    return dict(
        Registration.objects.filter(
            member=member, session_id__in=session_ids, state=Registration.State.APPLIED, attended_at__isnull=False
        ).values_list("session_id", "pk")
    )


@transaction.atomic
def member_certificate(*, member, registration_id, user):
    """The credit of the certificate of ``member``'s own registration ``registration_id``.
    Registration.DoesNotExist for another member's registration; CertificateRefused unless it
    is attended and its credit recorded. Writes the credit's history entry."""
    registration = Registration.objects.get(pk=registration_id, member=member)
    refusal = certificate_refusal(registration)
    if refusal:
        raise CertificateRefused(refusal)
    credit = (
        Credit.objects.select_related(*CREDIT_RELATED).filter(member=member, session=registration.session_id).first()
    )
    if credit is None:
        raise CertificateRefused("この参加の受講履歴が見つかりません。事務局へお問い合わせください。")
    log(instance=credit, action=ISSUED_ACTION, user=user, data={"by": "member", "stamp": _stamp(credit)})
    return credit


@transaction.atomic
def staff_certificate(*, credit_id, user):
    """The credit of a certificate staff issue in the admin (any credit, a paper one included)."""
    credit = Credit.objects.select_related(*CREDIT_RELATED).get(pk=credit_id)
    log(instance=credit, action=ISSUED_ACTION, user=user, data={"by": "staff", "stamp": _stamp(credit)})
    return credit


# --- the certificate itself ------------------------------------------------------------------------


@dataclass(frozen=True)
class Certified:
    """What a certificate says about a credit (the PDF and the verification page print it)."""

    name: str
    member_number: str
    is_guest: bool
    seminar: str
    session: str
    organizer: str
    venue: str
    earned_on: object
    points: int
    category: str
    from_paper: bool

    @property
    def session_line(self):
        return f"{self.seminar} {self.session}" if self.session else self.seminar


def certified(credit):
    """``Certified`` of ``credit`` (with member, credit_category and session__seminar related)."""
    session = credit.session
    seminar = session.seminar if session is not None else None
    return Certified(
        name=credit.member.full_name,
        member_number=credit.member.member_number,
        is_guest=credit.member.is_guest,
        seminar=seminar.title if seminar else credit.title,
        session=session.title if session else "",
        organizer=seminar.organizer if seminar else credit.organizer,
        venue=seminar.venue if seminar else credit.venue,
        earned_on=credit.earned_on,
        points=credit.points,
        category=credit.credit_category.name,
        from_paper=session is None,
    )


def render_certificate_pdf(credit, *, issued_on):
    """The PDF of ``credit``'s 出席証明書, dated ``issued_on``."""
    url = verify_url(credit)
    return render_pdf(
        "pdf/certificate.html",
        {
            "certified": certified(credit),
            "issued_on": issued_on,
            "society_name": society_name(),
            "verify_url": url,
            "qr_code": qr_data_uri(url),
        },
        what="出席証明書",
    )


def certificate_filename(credit):
    return f"certificate-{credit.member.member_number}-{credit.earned_on:%Y%m%d}-{credit.pk}.pdf"


# --- the token and the public check ----------------------------------------------------------------


def _hmac(text, length):
    return salted_hmac(TOKEN_SALT, text, algorithm="sha256").hexdigest()[:length]


def _tag(pk):
    return _hmac(f"credit:{pk}", TAG_LENGTH)


def _stamp(credit):
    printed = (
        credit.pk, credit.member_id, credit.session_id or "", credit.title, credit.credit_category_id, credit.points,
        credit.earned_on.isoformat(),
    )  # fmt: skip
    return _hmac("content:" + ":".join(map(str, printed)), STAMP_LENGTH)


def _issued_stamps(credit):
    """The stamps of every certificate issued of ``credit`` (each issue's history entry keeps
    its stamp): a stamp among them that no longer matches is a correction, any other a forgery."""
    entries = ModelLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Credit), object_id=str(credit.pk), action=ISSUED_ACTION
    )
    return {data.get("stamp") for data in entries.values_list("data", flat=True)}


def make_token(credit):
    return f"{credit.pk}.{_tag(credit.pk)}{_stamp(credit)}"


def verify_url(credit):
    return f"{settings.SITE_URL}{reverse('certificate_verify', args=[make_token(credit)])}"


@dataclass(frozen=True)
class Verification:
    """What the public page may show: the state, and for a recorded credit only the name, the
    session, the date and the points (not the Member, so the template cannot reach more)."""

    state: str
    name: str = ""
    session: str = ""
    earned_on: object = None
    points: int | None = None

    @property
    def valid(self):
        return self.state == VALID


def _count_check(ip_address):
    keys = {throttle.IP_ADDRESS: ip_address}
    if throttle.over_limits(purpose=CERTIFICATE_CHECK, keys=keys, limits=CHECK_LIMITS):
        raise TooManyCertificateChecks
    throttle.record(purpose=CERTIFICATE_CHECK, keys=keys)


@transaction.atomic
def verify(*, token, ip_address=None):
    """The check of a certificate's token; InvalidCertificateToken for one we did not make,
    TooManyCertificateChecks when ``ip_address`` asked too often."""
    _count_check(ip_address)
    match = _TOKEN.match(token or "")
    if match is None or not constant_time_compare(match["tag"], _tag(int(match["pk"]))):
        raise InvalidCertificateToken
    credit = Credit.objects.select_related(*CREDIT_RELATED).filter(pk=int(match["pk"])).first()
    if credit is None:
        return Verification(state=REVOKED)
    if constant_time_compare(match["stamp"], _stamp(credit)):
        state = VALID
    elif match["stamp"] in _issued_stamps(credit):
        state = CORRECTED
    else:  # a real credit's tag with a stamp no certificate of it ever printed: altered
        raise InvalidCertificateToken
    shown = certified(credit)
    return Verification(
        state=state, name=shown.name, session=shown.session_line, earned_on=shown.earned_on, points=shown.points
    )

"""出席証明書: the member's download (from the participation list and the points page) and the
public page behind the certificate's QR code. Thin: the rules live in ``renewal.certificates``."""

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from membership.shell import members_area

from .. import certificates
from ..models import Registration


@members_area
@require_GET
def certificate(request, registration_id):
    """出席証明書 PDF of the member's own attended registration (404 for anyone else's)."""
    try:
        credit = certificates.member_certificate(
            member=request.user.member, registration_id=registration_id, user=request.user
        )
    except Registration.DoesNotExist:
        raise Http404("参加申込が見つかりません。") from None
    except certificates.CertificateRefused as error:
        messages.error(request, str(error))
        return redirect("renewal:participations")
    return certificate_response(credit)


def certificate_response(credit):
    """The PDF download of ``credit``'s certificate (also the admin's)."""
    pdf = certificates.render_certificate_pdf(credit, issued_on=timezone.localdate())
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificates.certificate_filename(credit)}"'
    return response


@never_cache
@require_http_methods(["GET", "HEAD"])
def certificate_verify(request, token):
    """Public page behind the certificate's QR code: the name, the session, the date, the
    points, and whether the certificate is valid."""
    # The address as login lockouts see it (as the card's page does).
    ip_address = get_client_ip_address(request) or request.META.get("REMOTE_ADDR")
    template = "renewal/certificate_verify.html"
    try:
        verification = certificates.verify(token=token, ip_address=ip_address)
    except certificates.TooManyCertificateChecks as error:
        response = render(request, template, {"refusal": str(error)}, status=429)
    except certificates.InvalidCertificateToken:
        response = render(request, template, {"verification": None}, status=404)
    else:
        response = render(request, template, {"verification": verification, "checked_at": timezone.localtime()})
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response

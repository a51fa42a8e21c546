"""Members-area pages of guide 12 (休会申請), 13 (休会復帰申請) and 15 (退会申請).

One page per kind: the form when the member may apply, otherwise why not; the member's
applications of that kind with their state; 取下げ while the secretariat has not decided.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cms_pages.models import society_settings

from .. import applications
from ..forms import ApplicationForm, LeaveApplicationForm, WithdrawalApplicationForm
from ..models import MembershipApplication
from ..shell import members_area

Kind = MembershipApplication.Kind

FORMS = {Kind.LEAVE: LeaveApplicationForm, Kind.RETURN: ApplicationForm, Kind.WITHDRAWAL: WithdrawalApplicationForm}


def _application_page(request, kind):
    member = request.user.member
    today = timezone.localdate()
    history = list(member.applications.filter(kind=kind).select_related("member"))
    pending = applications.pending_application(member)
    refusal = applications.not_eligible_reason(member, kind, pending=pending)
    form = None
    if not refusal:
        form = FORMS[kind](
            request.POST if request.method == "POST" else None,
            effective_on_label=MembershipApplication.EFFECTIVE_ON_LABELS[kind],
            earliest=applications.earliest_effective_on(member, kind, today),
            latest=applications.latest_effective_on(today),
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                applications.submit_application(
                    member=member,
                    kind=kind,
                    effective_on=data["effective_on"],
                    reason=data.get("reason", ""),
                    leave_reason=data.get("leave_reason", ""),
                    leave_until=data.get("leave_until"),
                )
            except applications.ApplicationError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request, f"{Kind(kind).label}を受け付けました。事務局で確認のうえ、結果をメールでお知らせします。"
                )
                return redirect(applications.KIND_URL_NAMES[kind])
    return render(
        request,
        "membership/application.html",
        {
            "kind": kind,
            "title": Kind(kind).label,
            "effective_on_label": MembershipApplication.EFFECTIVE_ON_LABELS[kind],
            "member": member,
            "form": form,
            "refusal": refusal,
            "history": history,
            "pending": pending,
            # 取下げ lives on the pending application's own page: link there from the others.
            "pending_page": reverse(applications.KIND_URL_NAMES[pending.kind])
            if pending is not None and pending.kind != kind and pending.state == MembershipApplication.State.SUBMITTED
            else "",
            "warnings": applications.withdrawal_warnings(member) if kind == Kind.WITHDRAWAL and form else [],
            "society": society_settings(),
        },
    )


@members_area(guest_members=False)
def leave_application(request):
    return _application_page(request, Kind.LEAVE)


@members_area(guest_members=False)
def return_application(request):
    return _application_page(request, Kind.RETURN)


@members_area(guest_members=False)
def withdrawal_application(request):
    return _application_page(request, Kind.WITHDRAWAL)


@members_area(guest_members=False)
@require_POST
def cancel_application(request, application_id):
    """取下げ: only the member's own application, only while the secretariat has not decided it."""
    try:
        application = applications.cancel_application(member=request.user.member, application_id=application_id)
    except MembershipApplication.DoesNotExist as error:
        raise Http404 from error
    except applications.ApplicationError as error:
        messages.error(request, str(error))
        application = request.user.member.applications.get(pk=application_id)
    else:
        messages.success(request, f"{application.get_kind_display()}を取り下げました。")
    return redirect(applications.KIND_URL_NAMES[application.kind])

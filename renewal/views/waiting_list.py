"""Members-area pages of the waiting list (キャンセル待ち): joining from the seminar list,
leaving from the participation list, and the offered seat's page the offer mail links to
(申し込む / 辞退する). Thin: the rules live in ``renewal.waiting_list``; an entry is looked up
among the member's own (404 otherwise).
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from membership.shell import members_area

from .. import waiting_list
from ..forms import RegistrationForm
from ..models import Session, WaitlistEntry


@members_area
@require_POST
def waitlist_join(request, session_id):
    member = request.user.member
    session = get_object_or_404(Session.objects.select_related("seminar"), pk=session_id, seminar__published=True)
    try:
        waiting_list.join(member=member, session=session)
    except waiting_list.WaitlistError as error:
        messages.error(request, str(error))
        return redirect("renewal:seminars")
    messages.success(request, f"{session.seminar.title}({session.title})のキャンセル待ちに登録しました。")
    return redirect("renewal:participations")


@members_area
@require_POST
def waitlist_leave(request, entry_id):
    member = request.user.member
    get_object_or_404(WaitlistEntry, pk=entry_id, member=member)
    try:
        entry = waiting_list.leave(member=member, entry_id=entry_id)
    except waiting_list.WaitlistError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"{entry.session.seminar.title}({entry.session.title})のキャンセル待ちを取りやめました。"
        )
    return redirect("renewal:participations")


@members_area
@require_http_methods(["GET", "POST"])
def waitlist_offer(request, entry_id):
    """The offered seat: what, when, the fee and the answer's deadline; 申し込む or 辞退する."""
    member = request.user.member
    entry = get_object_or_404(
        WaitlistEntry.objects.select_related("session__seminar", "registration"), pk=entry_id, member=member
    )
    session = entry.session
    form = RegistrationForm(request.POST or None, seminar=session.seminar)
    refusal = waiting_list.answer_refusal(entry, now=timezone.now())
    if request.method == "POST" and not refusal:
        try:
            if request.POST.get("answer") == "decline":
                waiting_list.decline(member=member, entry_id=entry.pk)
                messages.success(request, "ご案内を辞退しました。席は次にお待ちの方へご案内します。")
                return redirect("renewal:participations")
            if form.is_valid():
                registration = waiting_list.accept(
                    member=member, entry_id=entry.pk, participation_format=form.cleaned_data["participation_format"]
                )
                text = f"参加申込を受け付けました(受講票番号 {registration.ticket_number})。"
                if registration.invoice_id:
                    text += f"参加費 {registration.invoice.amount:,}円のお支払い手続きをお願いします。"
                messages.success(request, text)
                return redirect("renewal:participations")
        except waiting_list.WaitlistError as error:
            refusal = str(error)
    return render(
        request,
        "renewal/waitlist_offer.html",
        {
            "entry": entry,
            "session": session,
            "seminar": session.seminar,
            "form": form,
            "refusal": refusal,
            "fee": session.fee_for(member),
            "fee_label": "参加費(非会員)" if member.is_guest else "参加費(会員)",
        },
        status=400 if request.method == "POST" else 200,
    )

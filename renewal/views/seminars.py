"""Members-area pages of seminars: the open list (guide 5) and applying for a session. Thin: the
rules live in ``renewal.registrations`` and the list's query in ``renewal.seminars``.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from membership.shell import members_area

from .. import registrations
from ..forms import RegistrationForm, SeminarSearchForm
from ..models import Session
from ..seats import seat_counts
from ..seminars import open_sessions, with_seats


def page_of(request, queryset, per_page):
    """The requested page of ``queryset``. The first page is read with one row more than it
    shows: when that row is not there (most members' lists fit on one page), the rows are the
    count and the page costs no COUNT query."""
    number = request.GET.get("page")
    if number not in (None, "", "1"):
        return Paginator(queryset, per_page).get_page(number)
    rows = list(queryset[: per_page + 1])
    if len(rows) <= per_page:
        return Paginator(rows, per_page).get_page(1)
    page = Paginator(queryset, per_page).page(1)
    page.object_list = rows[:per_page]
    return page


@members_area
def seminars(request):
    """学会・セミナー一覧(申込受付中): one row per open session, with the member's action."""
    member = request.user.member
    today = timezone.localdate()
    form = SeminarSearchForm(request.GET or None)
    filters = form.filters()
    per_page = filters.pop("per_page")
    page = page_of(request, open_sessions(member=member, today=today, **filters), per_page)
    page.object_list = with_seats(list(page.object_list), member=member)
    for session in page.object_list:
        session.full = session.seats.full(session.capacity)
        session.fee = session.fee_for(member)
    return render(
        request,
        "renewal/seminars.html",
        {"form": form, "page_obj": page},
    )


def _open_session(session_id):
    return get_object_or_404(Session.objects.select_related("seminar"), pk=session_id, seminar__published=True)


@members_area
@require_http_methods(["GET", "POST"])
def registration_new(request, session_id):
    """参加申込: what, when, where and the fee, the choice of 参加形態, then 申込する."""
    member = request.user.member
    session = _open_session(session_id)
    seats = seat_counts(session, member=member)
    refusal = registrations.registration_refusal(member=member, session=session, seats=seats)
    form = RegistrationForm(request.POST or None, seminar=session.seminar)
    if request.method == "POST" and not refusal and form.is_valid():
        try:
            registration = registrations.register(
                member=member, session=session, participation_format=form.cleaned_data["participation_format"]
            )
        except registrations.RegistrationError as error:
            refusal = str(error)
        else:
            if registration.invoice_id:
                messages.success(
                    request,
                    f"参加申込を受け付けました(受講票番号 {registration.ticket_number})。"
                    f"参加費 {registration.invoice.amount:,}円のお支払い手続きをお願いします。",
                )
            else:
                messages.success(request, f"参加申込を受け付けました(受講票番号 {registration.ticket_number})。")
            return redirect("renewal:participations")
    return render(
        request,
        "renewal/registration_new.html",
        {
            "session": session,
            "seminar": session.seminar,
            "form": form,
            "refusal": refusal,
            # A full session: the way onto its waiting list, as on the seminar list (the page
            # is also reached from links and pages opened before the last seat went).
            "full": refusal == registrations.FULL_REFUSAL,
            "waitlist_state": seats.waitlist_state,  # a seat offered to the member is not full for them
            "fee": session.fee_for(member),
            "fee_label": "参加費(非会員)" if member.is_guest else "参加費(会員)",
        },
        status=400 if request.method == "POST" else 200,
    )

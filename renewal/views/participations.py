"""Members-area pages of the member's registrations: the participation list (guide 6),
cancelling and the 受講票 PDF. Thin: the rules live in ``renewal.registrations``, the list's
query in ``renewal.seminars``; every registration is looked up among the member's own (404
otherwise).
"""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from membership.shell import members_area

from .. import registrations, seminars, tickets, waiting_list
from ..forms import ParticipationSearchForm
from ..models import Registration
from .seminars import page_of


@members_area
def participations(request):
    """学会・セミナー参加一覧: the member's registrations, attended ones only when asked for."""
    member = request.user.member
    today = timezone.localdate()
    form = ParticipationSearchForm(request.GET or None)
    filters = form.filters()
    per_page = filters.pop("per_page")
    page = page_of(request, seminars.participations(member=member, **filters), per_page)
    for registration in page.object_list:
        registration.can_cancel = registrations.cancel_refusal(registration, today=today) is None
        registration.ticket_refusal = registrations.ticket_refusal(registration)
    return render(
        request,
        "renewal/participations.html",
        {"form": form, "page_obj": page, "waiting_entries": waiting_list.live_entries(member=member)},
    )


@members_area
@require_POST
def registration_cancel(request, registration_id):
    member = request.user.member
    get_object_or_404(Registration, pk=registration_id, member=member)
    try:
        registration = registrations.cancel_registration(member=member, registration_id=registration_id)
    except registrations.RegistrationError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"{registration.session.seminar.title}({registration.session.title})の参加申込を取り消しました。"
        )
    return redirect("renewal:participations")


@members_area
def ticket(request, registration_id):
    """受講票 PDF: the member's own live registration, once its fee (if any) is paid."""
    registration = get_object_or_404(
        Registration.objects.select_related("session__seminar", "invoice", "member"),
        pk=registration_id,
        member=request.user.member,
        state=Registration.State.APPLIED,
    )
    if not registration.ticket_number:
        raise Http404("受講票番号がありません。")
    refusal = registrations.ticket_refusal(registration)
    if refusal:
        messages.error(request, refusal)
        return redirect("renewal:participations")
    response = HttpResponse(tickets.render_ticket_pdf(registration), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{tickets.ticket_filename(registration)}"'
    return response

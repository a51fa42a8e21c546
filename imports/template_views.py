"""The attendance sheet pre-filled with a session's registrations (出席者シート).

``imports:attendance_template?session=<セッションID>&format=xlsx|csv`` (XLSX unless ``csv``);
linked from the seminar's page in the admin. Needs ``imports.run_import``, like every import
screen. The sheet itself is the attendance kind's (``kinds/attendance_template.py``).
"""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header

from renewal.models import Session

from .registry import registry
from .views import import_permission_required

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@import_permission_required
def attendance_template(request):
    session_id = request.GET.get("session", "")
    fmt = request.GET.get("format") or "xlsx"
    if not session_id.isascii() or not session_id.isdigit() or fmt not in ("csv", "xlsx"):
        raise Http404
    session = get_object_or_404(Session.objects.select_related("seminar"), pk=int(session_id))
    kind = registry.get("attendance")
    if fmt == "csv":
        response = HttpResponse(kind.prefilled_csv(session), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(kind.prefilled_xlsx(session), content_type=XLSX_TYPE)
    name = f"出席者_セッション{session.pk}.{fmt}"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response

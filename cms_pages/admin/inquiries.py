"""The inquiries (form submissions) in the admin: Wagtail's listing with our export rule.

Inquiries are typed by anyone on the public site, so their CSV export gets the rule of every
export of ours (``core.admin_kit.SafeExportMixin``): a byte-order mark for Excel and no cell
that Excel would read as a formula. Wagtail's XLSX export already writes such cells as text.
"""

from wagtail.contrib.forms.views import SubmissionsListView

from core.admin_kit import SafeExportMixin


class InquirySubmissionsListView(SafeExportMixin, SubmissionsListView):
    """Used by InquiryPage (``get_submissions_list_view_class``)."""

    def get_filename(self):
        return SubmissionsListView.get_filename(self)  # "<page slug>-export-<date>", as Wagtail names it

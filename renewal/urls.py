"""Members-area pages of seminars, credits and renewal, under /member/ (login required:
every view is wrapped in ``membership.views.members_area``)."""

from . import credit_urls, renewal_urls

app_name = "renewal"

urlpatterns = []
urlpatterns += renewal_urls.urlpatterns
urlpatterns += credit_urls.urlpatterns

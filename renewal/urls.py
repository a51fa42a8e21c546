"""Members-area pages of seminars, credits and renewal, under /member/ (login required:
every view is wrapped in ``membership.views.members_area``)."""

from django.urls import path

from . import credit_urls, renewal_urls, views

app_name = "renewal"

urlpatterns = [
    path("seminars", views.seminars, name="seminars"),
    path("seminars/sessions/<int:session_id>/apply", views.registration_new, name="registration_new"),
    path("seminars/participations", views.participations, name="participations"),
    path("seminars/registrations/<int:registration_id>/cancel", views.registration_cancel, name="registration_cancel"),
    path("seminars/registrations/<int:registration_id>/ticket", views.ticket, name="ticket"),
]
urlpatterns += renewal_urls.urlpatterns
urlpatterns += credit_urls.urlpatterns

"""URLs of guide 7 (資格更新確認) and guide 14 (更新延長申請), in the ``renewal`` namespace."""

from django.urls import path

from . import renewal_views

urlpatterns = [
    path("renewal", renewal_views.renewal, name="renewal"),
    path("renewal/apply", renewal_views.renewal_apply, name="renewal_apply"),
    path("renewal/<int:application_id>/cancel", renewal_views.renewal_cancel, name="renewal_cancel"),
    path("renewal/extension", renewal_views.extension, name="extension"),
]

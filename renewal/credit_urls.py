"""URLs of 受講履歴ポイント照会 (guide 9), added to renewal.urls (namespace ``renewal``)."""

from django.urls import path

from . import credit_views

urlpatterns = [
    path("credits", credit_views.credits, name="credits"),
    path("credits/pdf", credit_views.credits_pdf, name="credits_pdf"),
]

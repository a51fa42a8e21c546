"""Mounted at ``sandbox-gateway/`` only when PAYMENT_GATEWAY is "sandbox" (site/config/urls.py).

The paths mirror the real gateway's: ``{GMO_LINK_URL}/v1/plus/...`` and
``{GMO_API_URL}/payment/SearchTradeMulti.idPass`` (and ``AlterTran.idPass``, ``CvsCancel.idPass``).
"""

from django.urls import path

from . import views

app_name = "gateway_sandbox"

urlpatterns = [
    path("link/v1/plus/<str:shop_id>/checkout/<str:token>", views.CheckoutView.as_view(), name="checkout"),
    path("api/payment/SearchTradeMulti.idPass", views.search_trade, name="search_trade"),
    path("api/payment/AlterTran.idPass", views.alter_tran, name="alter_tran"),
    path("api/payment/CvsCancel.idPass", views.cvs_cancel, name="cvs_cancel"),
    path("console/", views.console, name="console"),
]

"""Mounted at ``sandbox-gateway/`` only when PAYMENT_GATEWAY is "sandbox" (site/config/urls.py).

The paths mirror the real gateway's: ``{GMO_LINK_URL}/v1/plus/...`` and
``{GMO_API_URL}/payment/SearchTradeMulti.idPass`` (and ``AlterTran.idPass``, ``CvsCancel.idPass``).
"""

from django.urls import path

from . import card_views, views

app_name = "gateway_sandbox"

urlpatterns = [
    path("link/v1/plus/<str:shop_id>/checkout/<str:token>", views.CheckoutView.as_view(), name="checkout"),
    path("api/payment/SearchTradeMulti.idPass", views.search_trade, name="search_trade"),
    path("api/payment/AlterTran.idPass", views.alter_tran, name="alter_tran"),
    path("api/payment/CvsCancel.idPass", views.cvs_cancel, name="cvs_cancel"),
    path("console/", views.console, name="console"),
    # Cards on file (docs/payment-gateway.md sections 5 to 7).
    path("link/v1/plus/<str:shop_id>/member/<str:token>", card_views.MemberPageView.as_view(), name="member_page"),
    path("api/payment/SaveMember.idPass", card_views.save_member, name="save_member"),
    path("api/payment/SearchMember.idPass", card_views.search_member, name="search_member"),
    path("api/payment/SearchCard.idPass", card_views.search_card, name="search_card"),
    path("api/payment/DeleteCard.idPass", card_views.delete_card, name="delete_card"),
    path("api/payment/EntryTran.idPass", card_views.entry_tran, name="entry_tran"),
    path("api/payment/ExecTran.idPass", card_views.exec_tran, name="exec_tran"),
]

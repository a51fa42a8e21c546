"""The members-area pages, one module per area (``membership/urls.py`` maps them):
``accounts`` (login, lockout, passwords), ``home`` (dashboard, notices, inquiry), ``profile``,
``guests``, ``card``, ``dues`` (invoices, the payment flow, receipts, the gateway's
notifications) and ``applications`` (leave / return / withdrawal).

Each view validates its input and calls one service of the area's module of the same stem
(``membership.accounts``, ``membership.profile``, ...); views never write the ORM themselves.
"""

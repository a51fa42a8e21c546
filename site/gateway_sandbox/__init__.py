"""A stand-in for GMO Payment Gateway (link type Plus), for development, tests and `make run`.

It implements the gateway side of docs/payment-gateway.md and nothing else: it shares no
code with our client (``membership.gateway``) and knows nothing of invoices or members.
"""

"""The Django project package.

It lives in ``site/config`` because Python reserves the import name ``site``;
``manage.py``, the WSGI/ASGI entry points and pytest put ``site/`` on the import path.
"""

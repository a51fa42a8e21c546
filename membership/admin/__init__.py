"""The staff screens of membership in the Wagtail admin, one module per area (registered in wagtail_hooks.py)."""

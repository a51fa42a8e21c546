"""The staff screens of renewal in the Wagtail admin, one module per area (registered in wagtail_hooks.py)."""

"""Admin screens of the public site (registered in cms_pages/wagtail_hooks.py or by the pages)."""

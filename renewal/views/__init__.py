"""Members-area pages of seminars, credits and renewal, one module per area (routed in renewal/urls.py)."""

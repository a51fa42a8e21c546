"""Members-area pages of seminars, credits and renewal, one module per area (routed in renewal/urls.py);
and the check-in desk's staff pages (``checkin.py``, routed in the admin by ``admin/checkin.py``)."""

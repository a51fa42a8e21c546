"""Seminars, credits and renewal (issues to come)."""

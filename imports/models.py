"""Spreadsheet imports (issues to come)."""

"""Markdown for issues, comments and check runs (pure; golden-file tested)."""

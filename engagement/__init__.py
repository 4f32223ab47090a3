"""Engagement: posts and their approval, compliance rules, the archive (and, later, content and metrics)."""

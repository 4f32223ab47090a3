"""Engagement: content library, posts and approvals, compliance, archive, tracking (issues 5-6)."""

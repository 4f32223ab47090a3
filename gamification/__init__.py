"""Gamification: points ledger, badges, milestones, levels, leaderboards (issue 7)."""

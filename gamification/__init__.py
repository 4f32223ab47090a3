"""Gamification: points, levels, badges, personal-branding milestones, leaderboards, challenges.

Module map: ``listeners`` turns training, engagement and profile events into ``activities``
(facts, counted once) and ``ledger`` entries (points under the ``config`` rules); the ledger
keeps per-period totals and the ``histogram`` in step, with ``standings`` copying what boards
filter on. ``badges``, ``milestones`` and ``challenges`` react to new facts; ``leaderboards``
reads the aggregates; ``rebuild`` recomputes them; ``routes`` is the HTTP API.
"""

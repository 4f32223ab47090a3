"""Engagement metrics: cumulative observations per post, reach and earned media value."""

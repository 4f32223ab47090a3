"""Tracking links: a short code per approved post, redirects with UTM parameters, privacy-preserving click counts."""

"""Compliance rules: terms, regular expressions, personal data, disclosure and link limits, with presets."""

"""Tables of this package (filled in as the package is built)."""

"""Admin pages of the directory: sync reports, the person's sources (filled in below)."""

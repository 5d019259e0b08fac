"""Intelligence products: drafting, privacy review, TLP-aware dissemination, feedback."""

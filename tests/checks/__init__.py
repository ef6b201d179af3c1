"""Pull-request check runs: comparison, annotations, title and summary (pure parts)."""

"""Pull-request check runs: one per campaign and commit (matrix shards merged), with the
comparison against the base branch and annotations on the failing lines."""

"""The GitHub side: githubkit clients, pacing, errors, and the sync of desired state."""

"""Failure clusters: a signature within a repository, its lifecycle and its GitHub issue."""

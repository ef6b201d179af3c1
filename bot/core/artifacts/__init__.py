"""Workflow-run artifacts: download, unpack and ingest the test reports inside."""

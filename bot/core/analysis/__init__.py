"""Per-run analysis (pure): phases, validation criteria, history.

``run_analysis.analyze_run`` takes the run's cases, the campaign's config and the
summaries of the campaign's previous runs, and returns a ``RunAnalysis``. Its ``summary``
(``run_summary.RunSummary``) is what the caller stores (``Run.summary``) and hands back as
history for the next runs' trends (``history``).
"""

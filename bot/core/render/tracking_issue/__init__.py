"""The tracking issue of a campaign, as markdown (the bot's section only).

Modelled on the hand-kept issue #132 (``shared/seeds/``): mission, status, phase table,
validation criteria, critical findings, five whys / root cause / fix strategy, session log.
Pure and deterministic: every time comes from the view (``issue_view``). The GitHub side
wraps the result in its markers; people's text outside them is kept.

``document.render_tracking_issue`` puts the sections (one module each) together within
``max_chars``; ``detail_levels`` says what is given up first when the text is too long.
"""

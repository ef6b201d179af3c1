"""One module per report format; see ``bot.core.reports.registry`` for the module contract."""

"""One module per report format; see ``bot.reports.registry`` for the module contract."""

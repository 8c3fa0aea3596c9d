"""The operation's statistics: figures, disclosure control, evaluation, dashboard and report.

Interfaces others may use:

- :func:`netsafe.stats.figures.compute` -- the ``stats --json`` object of
  ``shared/contracts/returns.md`` (true counts, for the operation only);
- :func:`netsafe.stats.disclosure.public` -- the same object made safe to
  publish; :func:`~netsafe.stats.disclosure.control`,
  :func:`~netsafe.stats.disclosure.protect` and
  :func:`~netsafe.stats.disclosure.percent` for any other public table;
- :func:`netsafe.stats.press.press_lines` -- the figures as press sentences;
- :func:`netsafe.stats.evaluation.evaluate` -- the help-seeking evaluation.
"""

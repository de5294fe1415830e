"""Pictures: the backbone as a diagram, one block up close, the family as a chart, and the HTML report.

matplotlib is imported only here, and only inside functions called by the
commands that draw (``draw``, ``chart``, ``report``, ``explain --draw``), so
that ``effcli --help`` and the analytic engine never load it. Every picture is
deterministic: the same input gives the same bytes (no dates, no random ids).
"""

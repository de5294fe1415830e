"""Pictures: the backbone as a diagram, one block up close, the family as a chart, and the HTML report.

The diagram (``draw``) and the block (``explain --draw``) are laid out on a
``canvas.Canvas``, which writes their SVG itself: an SVG costs no more start-up
than a printed table. matplotlib is imported only here, only inside functions,
and only for what needs it: a PNG (the canvas's shapes drawn by matplotlib) and
the chart (``chart``, ``report``), so that ``effcli --help``, the analytic
engine and the SVG pictures never load it. Every picture is deterministic: the
same input gives the same bytes (no dates, no random ids).
"""

"""effcli's terminal user interface: `effcli explore`, built with Textual.

Only ``effcli explore`` imports this package (and Textual with it); every other command, and ``--help``, runs
without it (``tests/test_explore.py`` checks ``sys.modules``). What the explorer shows is made below it: the
numbers by :mod:`effcli.tools.session`, the panes' text by :mod:`effcli.render.views` and the table writer.
"""

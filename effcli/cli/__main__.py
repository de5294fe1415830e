"""``python -m effcli.cli``: the same as the ``effcli`` command."""

from effcli.cli import main

if __name__ == "__main__":
    main()

"""``python -m effcli.cli``: the same as the ``effcli`` command."""

from effcli.entry import main

if __name__ == "__main__":
    main()

"""``python -m effcli``: the same as the ``effcli`` command."""

from effcli.entry import main

if __name__ == "__main__":
    main()

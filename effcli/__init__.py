"""effcli: a command-line explorer for EfficientNet backbones."""

__version__ = "0.1.0"

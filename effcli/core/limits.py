"""effcli's limits: the largest values a config, an option or a network may have.

They keep absurd inputs instant and bounded; no real EfficientNet comes near them.
"""

from __future__ import annotations

MAX_KERNEL = 31
MAX_RESOLUTION = 8192
MAX_CHANNELS = 4096
MAX_COEFFICIENT = 100.0
MAX_REPEATS = 1000
MAX_FILTERS = 100_000
MAX_CONFIG_BYTES = 1_000_000  # a stage config is a few hundred bytes; refuse to parse megabytes
MAX_BLOCKS = 20_000  # far beyond any real network; keeps absurd depths instant and bounded

"""Ferry agent: the on-premise program that executes published workflows next to the ERP.

Nothing in this package imports Django or the portal: it must run alone, on Windows too.
"""

__version__ = "0.1.0"

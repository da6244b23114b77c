"""koubei (口碑): word-of-mouth marketing from your own reviews, catalog, service logs and social data."""

__version__ = "0.1.0"

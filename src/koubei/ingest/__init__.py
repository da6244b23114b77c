"""Ingest: read files into validated, normalized, PII-masked canonical rows; bad rows go to quarantine."""

from koubei.ingest.loader import KINDS, LoadResult, Rejection, load_file
from koubei.ingest.recipes import RECIPES

__all__ = ["KINDS", "RECIPES", "LoadResult", "Rejection", "load_file"]

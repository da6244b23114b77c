"""The `koubei` command line: a thin shell over the pipelines and the library (no logic lives here)."""

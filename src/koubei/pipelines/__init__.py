"""Use cases that join the store and the core: each flow (ingest, demo, batch scoring, ...) lives in one place."""

"""The shallow error tree of koubei.

Core code raises these; the edges (CLI, API) map them to exit codes and HTTP statuses once, in one place.
Messages are written for a person: they name the parameter or field, the bad value and what was expected.
"""

from __future__ import annotations


class KoubeiError(Exception):
    """Base of every error koubei raises on purpose. Exit code 1, HTTP 500 unless a subclass says otherwise."""

    exit_code = 1
    http_status = 500


class BadInputError(KoubeiError, ValueError):
    """The user gave something we cannot use: a file, a parameter, a row. Exit code 2, HTTP 400/422."""

    exit_code = 2
    http_status = 422


class NotFoundError(BadInputError):
    """A named thing (file, model directory, product, review) does not exist. Exit code 2, HTTP 404."""

    http_status = 404


class NotFittedError(KoubeiError, ValueError):
    """An estimator was used before `fit` (scikit-learn's contract). Exit code 1, HTTP 409."""

    http_status = 409


class StoreError(KoubeiError):
    """The database could not be reached or is in a state we cannot work with."""

    http_status = 503

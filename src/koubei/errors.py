"""The shallow error tree of koubei.

Core code raises these; the edges (CLI, API) map them to exit codes and HTTP statuses once, in one place.
Messages are written for a person: they name the parameter or field, the bad value and what was expected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any


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


def _not_fitted_error() -> type:
    """koubei's NotFittedError, built on first use: it subclasses scikit-learn's (so `except NotFittedError` of
    either library catches it, as sklearn's own checks expect), and importing scikit-learn costs about a second,
    which `koubei --help` and every command that never touches an estimator should not pay."""
    from sklearn.exceptions import NotFittedError as SklearnNotFittedError

    return type(
        "NotFittedError",
        (KoubeiError, SklearnNotFittedError),
        {
            "__doc__": "An estimator was used before `fit` (scikit-learn's contract). Exit code 1, HTTP 409.",
            "__module__": __name__,
            "http_status": 409,
        },
    )


if TYPE_CHECKING:
    from sklearn.exceptions import NotFittedError as _SklearnNotFittedError

    class NotFittedError(KoubeiError, _SklearnNotFittedError):
        """An estimator was used before `fit` (scikit-learn's contract). Exit code 1, HTTP 409."""

        http_status = 409
else:

    def __getattr__(name: str) -> Any:
        if name == "NotFittedError":
            cls = _not_fitted_error()
            globals()["NotFittedError"] = cls  # built once; later lookups find the module attribute
            return cls
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class StoreError(KoubeiError):
    """The database could not be reached or is in a state we cannot work with."""

    http_status = 503

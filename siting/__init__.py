"""siting: choose where to put microfactories on real road networks."""

from __future__ import annotations

from siting._errors import (
    InfeasibleError,
    InputError,
    MissingColumnError,
    NetworkUnavailableError,
    NoCrsError,
    SitingError,
)

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "SitingError",
    "InputError",
    "NoCrsError",
    "MissingColumnError",
    "NetworkUnavailableError",
    "InfeasibleError",
]

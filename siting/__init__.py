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

from siting.demo import DemoCity, demo_city
from siting.layers import read_layer, validate_layer

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "DemoCity",
    "demo_city",
    "read_layer",
    "validate_layer",
    "SitingError",
    "InputError",
    "NoCrsError",
    "MissingColumnError",
    "NetworkUnavailableError",
    "InfeasibleError",
]

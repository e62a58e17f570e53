"""Input layers: readers, validation, projection, rents, and the embedded demo cities."""

from siting.inputs.demo import DEMO_CITIES, DemoCity, demo_city
from siting.inputs.layers import LAYER_SCHEMAS, assign_rents, local_utm_crs, read_layer, validate_layer

__all__ = [
    "DEMO_CITIES",
    "DemoCity",
    "demo_city",
    "LAYER_SCHEMAS",
    "assign_rents",
    "local_utm_crs",
    "read_layer",
    "validate_layer",
]

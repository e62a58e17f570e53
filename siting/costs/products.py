"""Product families (the landed-cost inputs) and the sourced cost defaults shipped as package data."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from siting.errors import InputError, MissingColumnError, UnknownNameError

__all__ = [
    "ProductFamily",
    "cost_defaults",
    "cost_default",
    "load_products",
    "example_products_path",
    "load_sku_popularity",
]


@lru_cache(maxsize=1)
def _defaults_table() -> pd.DataFrame:
    with resources.files("siting").joinpath("data/cost_defaults.csv").open("r") as fh:
        return pd.read_csv(fh)


@lru_cache(maxsize=1)
def _default_values() -> dict[str, float]:
    """``parameter -> value`` of the defaults table (first row wins), so a look-up is a dict access."""
    table = _defaults_table()
    values: dict[str, float] = {}
    for name, value in zip(table["parameter"], table["value"]):
        values.setdefault(name, float(value))
    return values


def cost_defaults() -> pd.DataFrame:
    """The default cost figures with ``parameter, value, unit, source, year, grade, note``.

    Returns
    -------
    pandas.DataFrame
        A copy of ``siting/data/cost_defaults.csv``. Grades: A consultancy or named research,
        B trade press quoting research, C vendor blog or glossary, ``assumption`` no source.
    """
    return _defaults_table().copy()


def cost_default(parameter: str) -> float:
    """The default value of one cost parameter (see :func:`cost_defaults`).

    Parameters
    ----------
    parameter : str
        A name in the ``parameter`` column, e.g. ``"carrying_rate_per_yr"``.

    Returns
    -------
    float
    """
    values = _default_values()
    if parameter not in values:
        raise UnknownNameError(
            f"no cost default named {parameter!r}; known: {', '.join(_defaults_table()['parameter'])}"
        )
    return values[parameter]


#: Most SKUs a family may have (the SKU model groups them into demand classes, so this bounds memory only).
MAX_SKUS = 1_000_000

#: Largest test drop a family may give (a test drop is a run of tens to hundreds of units).
MAX_TEST_DROP_UNITS = 10_000

#: String-valued product fields and their allowed values.
_CHOICES = {
    "distribution": ("normal", "poisson", "negbin"),
    "duty_basis": ("CIF", "FOB"),
    "incoterm": ("EXW", "FOB", "CIF", "DDP"),
    "reorder_forecast": ("level", "kalman", "prior"),
    "moq_offshore_basis": ("sku", "style"),
}
#: Choice fields given in upper case.
_UPPER = ("duty_basis", "incoterm")


def _default(name: str):
    return dataclasses.field(default_factory=lambda: cost_default(name))


@dataclass(frozen=True)
class ProductFamily:
    """One product family: demand, prices and the two ways of sourcing it (local vs offshore).

    Money is per unit in the scenario currency; demand is per week. ``unit_cost_offshore`` is the
    factory-gate (FOB) price; sea freight (``freight_offshore_per_unit``), insurance
    (``insurance_rate_offshore`` x FOB) and duty (``duty_rate_offshore`` x the customs value:
    CIF = FOB + freight + insurance for the EU, or FOB) are added on top. ``season_weeks`` is the
    selling season after which unsold stock is written off at ``salvage_per_unit``.
    ``forecast_cv_preseason`` is the coefficient of variation of the season's demand as forecast
    just before the season opens (0: weeks independent, the square-root-of-weeks model); the error
    grows with the forecast horizon (see :mod:`siting.costs.forecast`). ``distribution`` is the
    demand distribution of one cycle (``normal``, ``poisson`` for small steady runs such as spare
    parts, ``negbin`` for small runs with extra variance). ``energy_kwh_per_unit`` is the
    electricity to make one unit (either side).

    ``incoterm`` says when the brand owns offshore goods and so starts carrying them: ``EXW``,
    ``FOB`` (default) and ``CIF`` from departure, so the last ``transit_offshore_weeks`` of the
    lead time (at most all of it) are carried at FOB + freight + insurance (duty is paid on
    arrival); ``DDP`` on delivery, so nothing is carried in transit. Production weeks before
    departure are not carried. Local goods are carried over the whole local lead time.
    At the season's end a share ``markdown_sell_through`` of the leftover sells at
    ``markdown_price_per_unit``, the rest goes to a jobber at ``salvage_per_unit``
    (:meth:`recovery_per_unit`). ``embodied_co2e_kg_per_unit`` is the cradle-to-gate CO2e of
    making a unit besides the electricity (materials), counted for the units written off.
    ``origin`` names the offshore origin the figures are for (see :func:`siting.costs.with_origin`).
    ``skus`` is the number of items (style-colour-size or part numbers) the family's demand splits
    into by a Zipf curve with exponent ``sku_zipf_exponent`` (0: equal shares); each is bought and
    made on its own, the MOQs applying per SKU (see :mod:`siting.costs.skus`). Made locally, a SKU
    (or single-SKU family) selling less than ``print_on_demand_below_units_per_week`` on average is
    printed on demand at ``unit_cost_local``: no stock, nothing lost or written off (0: never).
    ``reorder_forecast`` says what each buy knows of the demand level (:mod:`siting.costs.learning`):
    ``kalman`` (the default) the pre-season forecast updated by a Kalman filter on the sales seen (its
    noise parameters: ``siting/data/learning.md``), ``level`` the level itself (an oracle, the model
    before learning), ``prior`` the pre-season forecast only (no learning). Offshore cannot learn
    before it commits: its opener is bought ``L`` weeks ahead on the pre-season forecast, it has no
    test drop, and buying once a season it learns nothing after (only an in-season re-buy reads sales).
    ``test_drop_units`` > 0 (with ``kalman``) opens the local season with a test drop of that many
    units, made whatever the minimum run; the re-orders read its sell-through (0: no test drop).
    ``moq_offshore_basis`` says what the offshore MOQ counts: ``sku`` (each SKU, the default) or
    ``style`` (the family's buy, split over its SKUs by the size curve: SKU ``i`` then orders at least
    ``MOQ x share_i``). ``sku_popularity`` gives the SKUs' shares of demand explicitly (from a CSV, see
    :func:`load_sku_popularity`) instead of the Zipf curve; ``skus`` is then their count.
    """

    family: str
    price_per_unit: float
    demand_mean_units_per_week: float
    demand_std_units_per_week: float
    unit_cost_local: float
    unit_cost_offshore: float
    moq_local_units: float
    moq_offshore_units: float
    lead_time_local_weeks: float
    lead_time_offshore_weeks: float
    review_period_local_weeks: float
    review_period_offshore_weeks: float
    salvage_per_unit: float
    freight_offshore_per_unit: float
    duty_rate_offshore: float = _default("duty_rate_offshore")
    insurance_rate_offshore: float = _default("insurance_rate_offshore")
    season_weeks: float = _default("season_weeks")
    carrying_rate_per_yr: float = _default("carrying_rate_per_yr")
    forecast_cv_preseason: float = 0.0
    energy_kwh_per_unit: float = _default("energy_kwh_per_unit")
    distribution: str = "normal"
    duty_basis: str = "CIF"
    incoterm: str = "FOB"
    transit_offshore_weeks: float = _default("lead_time_offshore_sea_transit_weeks")
    markdown_price_per_unit: float = 0.0
    markdown_sell_through: float = 0.0
    embodied_co2e_kg_per_unit: float = 0.0
    origin: str = ""
    skus: int = 1
    sku_zipf_exponent: float = 1.0
    print_on_demand_below_units_per_week: float = 0.0
    reorder_forecast: str = "kalman"
    test_drop_units: float = 0.0
    moq_offshore_basis: str = "sku"
    sku_popularity: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.family, str) or not self.family.strip():
            raise InputError("column 'family': give a non-empty product family name.")
        for name, allowed in _CHOICES.items():
            choice = str(getattr(self, name)).strip()
            choice = choice.upper() if name in _UPPER else choice.lower()
            if choice not in allowed:
                raise InputError(f"column {name!r}: {getattr(self, name)!r} is not one of {', '.join(allowed)}.")
            object.__setattr__(self, name, choice)
        object.__setattr__(self, "origin", str(self.origin or "").strip().upper())
        self._check_popularity()
        for f in dataclasses.fields(self):
            if f.name in ("family", "origin", "sku_popularity") or f.name in _CHOICES:
                continue
            given = getattr(self, f.name)
            try:
                value = float(given)
            except (TypeError, ValueError):
                raise InputError(f"column {f.name!r}: {given!r} is not a number.") from None
            if not math.isfinite(value) or value < 0:
                raise InputError(f"column {f.name!r}: {value!r} must be a finite number >= 0.")
            object.__setattr__(self, f.name, value)
        positive = (
            "price_per_unit",
            "review_period_local_weeks",
            "review_period_offshore_weeks",
            "season_weeks",
        )
        for name in positive:
            if getattr(self, name) <= 0:
                raise InputError(f"column {name!r}: must be > 0.")
        if self.skus != math.floor(self.skus) or not 1 <= self.skus <= MAX_SKUS:
            raise InputError(
                f"column 'skus': {self.skus!r} is not a whole number from 1 to {MAX_SKUS:,}; "
                "give the count of style-colour-size or part numbers (1 = the family as one item)."
            )
        object.__setattr__(self, "skus", int(self.skus))
        if self.demand_mean_units_per_week <= 0:
            raise InputError("column 'demand_mean_units_per_week': must be > 0.")
        if self.test_drop_units > 0 and self.reorder_forecast != "kalman":
            raise InputError(
                f"column 'test_drop_units': {self.test_drop_units:g} needs reorder_forecast 'kalman' (the re-orders "
                "read the test drop's sales); set reorder_forecast to kalman or test_drop_units to 0."
            )
        if self.test_drop_units > MAX_TEST_DROP_UNITS:
            raise InputError(
                f"column 'test_drop_units': {self.test_drop_units:g} is above {MAX_TEST_DROP_UNITS:,} units; a test "
                "drop is a run of tens to hundreds of units (e.g. 100), or 0 for none."
            )
        if self.markdown_sell_through > 1:
            raise InputError("column 'markdown_sell_through': a share of the leftover; give a number from 0 to 1.")
        if self.markdown_sell_through > 0 and self.markdown_price_per_unit <= self.salvage_per_unit:
            raise InputError(
                f"column 'markdown_price_per_unit': {self.markdown_price_per_unit} must be above salvage_per_unit "
                f"({self.salvage_per_unit}) when markdown_sell_through > 0; raise it or set the sell-through to 0."
            )
        if self.carrying_rate_per_yr >= 1 or self.duty_rate_offshore >= 1:
            raise InputError(
                "columns 'carrying_rate_per_yr' and 'duty_rate_offshore' are shares: give a number below 1."
            )
        if self.distribution == "poisson" and self.forecast_cv_preseason > 0:
            raise InputError(
                "column 'forecast_cv_preseason': a Poisson family has no forecast error beyond Poisson noise; "
                "set it to 0 or use distribution 'negbin'."
            )
        for name in ("unit_cost_local", "unit_cost_offshore"):
            if self.salvage_per_unit >= getattr(self, name):
                raise InputError(
                    f"column 'salvage_per_unit': {self.salvage_per_unit} must be below "
                    f"{name} ({getattr(self, name)}); lower the salvage value."
                )
            if self.recovery_per_unit() >= getattr(self, name):
                raise InputError(
                    f"columns 'markdown_price_per_unit' and 'markdown_sell_through': the leftover recovers "
                    f"{self.recovery_per_unit():g} a unit, not below {name} ({getattr(self, name)}); "
                    "lower the markdown price or its sell-through."
                )
        if self.price_per_unit <= self.acquisition_cost("offshore") and (self.price_per_unit <= self.unit_cost_local):
            raise InputError(
                "column 'price_per_unit': the price is below the unit cost of both sources; "
                "check the price or the unit costs."
            )

    def _check_popularity(self) -> None:
        """``sku_popularity``: positive finite weights, normalised to shares, most popular first; sets ``skus``."""
        given = self.sku_popularity
        if given is None or (not isinstance(given, tuple | list | np.ndarray)) or len(given) == 0:
            if given not in ((), None):
                raise InputError("sku_popularity: give the SKUs' shares as a list of numbers (or none for Zipf).")
            object.__setattr__(self, "sku_popularity", ())
            return
        try:
            weights = np.asarray(given, dtype=float)
        except (TypeError, ValueError):
            raise InputError(f"sku_popularity of family {self.family!r}: the shares must be numbers.") from None
        if not (np.all(np.isfinite(weights)) and np.all(weights > 0)):
            raise InputError(
                f"sku_popularity of family {self.family!r}: every share must be a finite number > 0; "
                "drop SKUs that sell nothing."
            )
        if len(weights) > MAX_SKUS:
            raise InputError(f"sku_popularity of family {self.family!r}: more than {MAX_SKUS:,} SKUs.")
        shares = np.sort(weights / weights.sum())[::-1]
        object.__setattr__(self, "sku_popularity", tuple(float(x) for x in shares))
        object.__setattr__(self, "skus", len(shares))

    def recovery_per_unit(self) -> float:
        """What a unit left at the season's end recovers: markdown sell-through, the rest at the salvage price."""
        st = self.markdown_sell_through
        return st * self.markdown_price_per_unit + (1.0 - st) * self.salvage_per_unit

    def in_transit(self, source: str) -> tuple[float, float]:
        """Weeks of the lead time the brand owns the goods in transit, and their value per unit then."""
        if source == "local":
            return self.lead_time_local_weeks, self.unit_cost_local
        if self.incoterm == "DDP":
            return 0.0, 0.0
        weeks = min(self.transit_offshore_weeks, self.lead_time_offshore_weeks)
        return weeks, self.unit_cost_offshore + self.freight_offshore_per_unit + self.insurance_offshore_per_unit()

    def duty_offshore_per_unit(self) -> float:
        """Duty per unit: ``duty_rate_offshore`` x customs value (CIF: FOB + freight + insurance; or FOB)."""
        fob = self.unit_cost_offshore
        value = (
            fob
            if self.duty_basis == "FOB"
            else fob + self.freight_offshore_per_unit + self.insurance_offshore_per_unit()
        )
        return self.duty_rate_offshore * value

    def insurance_offshore_per_unit(self) -> float:
        """Cargo insurance per unit: ``insurance_rate_offshore`` x FOB price."""
        return self.insurance_rate_offshore * self.unit_cost_offshore

    def acquisition_cost(self, source: str) -> float:
        """Cost per unit delivered to the city before storage: production (+ freight, insurance, duty offshore)."""
        if source == "local":
            return self.unit_cost_local
        if source == "offshore":
            return (
                self.unit_cost_offshore
                + self.freight_offshore_per_unit
                + self.insurance_offshore_per_unit()
                + self.duty_offshore_per_unit()
            )
        raise InputError(f"source must be 'local' or 'offshore', not {source!r}.")

    def scaled(self, **factors: float) -> ProductFamily:
        """A copy with numeric fields multiplied by the given factors (``moq_local_units=1.2``)."""
        return dataclasses.replace(self, **{k: getattr(self, k) * v for k, v in factors.items()})


_DEFAULTED = tuple(
    f.name
    for f in dataclasses.fields(ProductFamily)
    if f.name != "sku_popularity"  # a list per family: its own CSV (load_sku_popularity)
    and f.default is not dataclasses.MISSING
    or f.default_factory is not dataclasses.MISSING
)
_REQUIRED = [f.name for f in dataclasses.fields(ProductFamily) if f.name not in (*_DEFAULTED, "sku_popularity")]
_OPTIONAL = {*_DEFAULTED, "review_period_weeks", "note", "source"}
#: Columns of earlier versions, with what replaces them.
_REPLACED = {
    "duty_offshore_per_unit": "duty_rate_offshore (a share of the customs value, e.g. 0.12; duty is charged on CIF)",
}


def example_products_path() -> Path:
    """Path of the example product-family CSV shipped with the package."""
    return Path(str(resources.files("siting").joinpath("data/products_example.csv")))


def load_sku_popularity(path: str | Path) -> dict[str, tuple[float, ...]]:
    """Read the SKUs' popularity per family from a CSV: columns ``family``, ``sku``, ``share``.

    ``share`` is any positive weight (a share of the family's demand, or units sold); each family's
    weights are normalised to shares. One row per SKU; ``sku`` names are unique within a family.

    Returns
    -------
    dict
        ``family -> shares`` (most popular first), to give :func:`load_products` or
        :class:`ProductFamily` (``sku_popularity``).

    Raises
    ------
    InputError
        Naming the file, the line and the column to fix.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: SKU popularity file not found; give the path of a CSV with family,sku,share.")
    try:
        table = pd.read_csv(path, dtype={"family": str, "sku": str}, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read as CSV ({exc}); fix the file.") from None
    table.columns = [str(c).strip() for c in table.columns]
    missing = [c for c in ("family", "sku", "share") if c not in table.columns]
    if missing:
        raise MissingColumnError(f"{path}: missing column(s) {', '.join(map(repr, missing))}; add them.")
    if table.empty:
        raise InputError(f"{path}: no SKUs; add one row per SKU (family, sku, share).")
    share = pd.to_numeric(table["share"], errors="coerce")
    for i in range(len(table)):
        value, raw = share.iloc[i], table["share"].iloc[i]
        if pd.isna(table["family"].iloc[i]) or pd.isna(table["sku"].iloc[i]):
            raise InputError(f"{path}, line {i + 2}: columns 'family' and 'sku' must not be empty; fill them in.")
        if not (math.isfinite(value) and value > 0):
            raise InputError(
                f"{path}, line {i + 2}, column 'share': {raw!r} is not a finite number > 0; give the SKU's share "
                "or units sold (drop SKUs that sell nothing)."
            )
    dup = table[table.duplicated(["family", "sku"])]
    if not dup.empty:
        row = dup.iloc[0]
        raise InputError(f"{path}: SKU {row['sku']!r} of family {row['family']!r} appears twice; keep one row.")
    table = table.assign(share=share)
    return {str(f): tuple(float(x) for x in g["share"]) for f, g in table.groupby("family", sort=False)}


def load_products(
    path: str | Path, *, sku_popularity: dict[str, tuple[float, ...]] | str | Path | None = None
) -> tuple[ProductFamily, ...]:
    """Read product families from a CSV file, one family per row.

    Columns are the :class:`ProductFamily` fields; those with a default (``duty_rate_offshore``,
    ``season_weeks``, ``carrying_rate_per_yr``, ``forecast_cv_preseason``, ``distribution``, ...)
    are optional; ``review_period_weeks`` may stand for both review periods;
    ``note`` and ``source`` are kept out of the model. Unknown columns are refused (typos).

    Parameters
    ----------
    path : str or Path
        The CSV file.
    sku_popularity : dict or path, optional, keyword-only
        The SKUs' shares per family (:func:`load_sku_popularity`, or its CSV's path): a family
        listed there takes them instead of the Zipf curve. Every family named must be in the file.

    Returns
    -------
    tuple of ProductFamily

    Raises
    ------
    InputError
        Naming the file, the row (file line number) and the column to fix.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: product-family file not found; give the path of a CSV file.")
    try:
        table = pd.read_csv(path, dtype={"family": str}, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read as CSV ({exc}); fix the file.") from None
    table.columns = [str(c).strip() for c in table.columns]
    if "review_period_weeks" in table.columns:
        for col in ("review_period_local_weeks", "review_period_offshore_weeks"):
            if col not in table.columns:
                table[col] = table["review_period_weeks"]
    for old, new in _REPLACED.items():
        if old in table.columns:
            raise InputError(f"{path}: column {old!r} is no longer used; give {new} instead.")
    unknown = sorted(set(table.columns) - set(_REQUIRED) - _OPTIONAL)
    if unknown:
        raise InputError(
            f"{path}: unknown column(s) {', '.join(map(repr, unknown))}; "
            f"expected {', '.join(_REQUIRED)} (optional: {', '.join(sorted(_OPTIONAL))})."
        )
    missing = [c for c in _REQUIRED if c not in table.columns]
    if missing:
        raise MissingColumnError(f"{path}: missing column(s) {', '.join(map(repr, missing))}; add them.")
    if table.empty:
        raise InputError(f"{path}: no product families; add at least one row.")
    dup = table["family"][table["family"].duplicated()]
    if not dup.empty:
        raise InputError(f"{path}: family {dup.iloc[0]!r} appears twice; family names must be unique.")
    fields = _REQUIRED + [c for c in _DEFAULTED if c in table.columns]
    popularity = load_sku_popularity(sku_popularity) if isinstance(sku_popularity, str | Path) else sku_popularity
    popularity = dict(popularity or {})
    unknown_families = sorted(set(popularity) - set(table["family"].astype(str)))
    if unknown_families:
        raise InputError(
            f"SKU popularity names family {unknown_families[0]!r}, which {path} does not have; "
            f"check the name (families: {', '.join(map(str, table['family']))})."
        )
    families = []
    for i, row in enumerate(table.to_dict("records")):
        kwargs = {k: row[k] for k in fields if not (k != "family" and pd.isna(row[k]) and k in _OPTIONAL)}
        for k, v in kwargs.items():
            if k != "family" and pd.isna(v):
                raise InputError(f"{path}, line {i + 2}, column {k!r}: value is empty; fill it in.")
        if str(row["family"]) in popularity:
            kwargs["sku_popularity"] = popularity[str(row["family"])]
        try:
            families.append(ProductFamily(**kwargs))
        except InputError as exc:
            raise InputError(f"{path}, line {i + 2} (family {row.get('family')!r}), {exc}") from None
    return tuple(families)

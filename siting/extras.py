"""Optional dependencies: import one, or stop with one line naming the extra that installs it."""

from __future__ import annotations

import importlib
from types import ModuleType

from siting.errors import MissingExtraError

__all__ = ["EXTRAS", "require"]

#: top-level module -> (the extra that installs it, what it is called in the message)
EXTRAS: dict[str, tuple[str, str]] = {
    "distributed": ("dask", "Dask (dask.distributed)"),
    "dask": ("dask", "Dask"),
    "simpy": ("share", "SimPy"),
}


def require(module: str, purpose: str) -> ModuleType:
    """Import an optional module, or raise :class:`~siting.errors.MissingExtraError` naming its extra.

    Parameters
    ----------
    module : str
        The module to import, e.g. ``"distributed"``; its top-level name must be in :data:`EXTRAS`.
    purpose : str
        What needs it, in the user's words (starts the message), e.g. ``"--scheduler"``.

    Returns
    -------
    types.ModuleType
        The imported module.

    Raises
    ------
    MissingExtraError
        One line: what needs it, what is missing and the ``pip install "siting[extra]"`` that fixes it.

    Examples
    --------
    >>> require("simpy", "the lead-time simulation").__name__
    'simpy'
    """
    extra, name = EXTRAS[module.split(".")[0]]
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            f'{purpose} needs {name}, which is not installed: pip install "siting[{extra}]"'
        ) from exc

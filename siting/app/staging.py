"""Writing a run all or nothing: output checks before work, a lock, a temporary folder moved into place."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from siting.errors import InputError
from siting.runfolder import is_run_folder

__all__ = ["check_out_folder", "check_file_target", "StagedRun", "staged_run"]


def _writable_parent(path: Path, option: str) -> Path:
    """The nearest existing ancestor of ``path``; refused unless it is a writable folder."""
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise InputError(f"{option} {path}: {parent} is a file, not a folder; choose another location.")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{option} {path}: cannot write into {parent} (permission denied); choose a writable folder.")
    return parent


def check_out_folder(out: Path, option: str = "--out") -> Path:
    """Refuse an output folder the run could not write, or whose contents it would destroy.

    The folder may be missing, empty or an earlier run's (it holds ``run.json``); anything else
    (a file, a folder of other files, the working folder or one above it) is refused.

    Parameters
    ----------
    out : Path
    option : str
        The option that named it, for messages.

    Returns
    -------
    pathlib.Path
        ``out`` made absolute.
    """
    out = Path(os.path.abspath(out))
    if out.exists() and not out.is_dir():
        raise InputError(f"{option} {out} is a file, not a folder; give a new or empty folder for the run's outputs.")
    cwd = Path.cwd().resolve()
    if out.exists() and (out.resolve() == cwd or out.resolve() in cwd.parents):
        raise InputError(
            f"{option} {out} is the working folder (or holds it); give a sub-folder such as {option} results."
        )
    if out.is_dir() and any(out.iterdir()) and not is_run_folder(out):
        raise InputError(
            f"{option} {out} holds files that are not a siting run (no run.json); a run replaces its whole "
            "folder, so give a new or empty folder."
        )
    _writable_parent(out, option)
    if out.is_dir() and not os.access(out, os.W_OK | os.X_OK):
        raise InputError(f"{option} {out}: permission denied; choose a writable folder.")
    return out


def check_file_target(path: Path, option: str, suffixes: tuple[str, ...]) -> Path:
    """Refuse a file output (``--map``, ``network build --out``) that is a folder, has the wrong suffix or
    lies where nothing can be written.

    Parameters
    ----------
    path : Path
    option : str
    suffixes : tuple of str
        Accepted lower-case suffixes (e.g. ``(".html",)``).

    Returns
    -------
    pathlib.Path
    """
    path = Path(os.path.abspath(path))
    if path.is_dir():
        raise InputError(f"{option} {path} is a folder; give a file name ending in {' or '.join(suffixes)}.")
    if not path.name.lower().endswith(suffixes):
        raise InputError(f"{option} {path}: the file name must end in {' or '.join(suffixes)}.")
    _writable_parent(path, option)
    if path.exists() and not os.access(path, os.W_OK):
        raise InputError(f"{option} {path}: permission denied; choose a writable file.")
    return path


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _take_over(out: Path) -> None:
    """Clear what a killed run left beside ``out``: its staging folder, and its earlier run put back if moved aside."""
    import logging

    for old in sorted(out.parent.glob(f".{out.name}.old-*")):
        if not out.exists() and (old / "run").is_dir():
            os.replace(old / "run", out)
        shutil.rmtree(old, ignore_errors=True)
    for staged in sorted(out.parent.glob(f".{out.name}.tmp-*")):
        shutil.rmtree(staged, ignore_errors=True)
        logging.getLogger("siting").info("--out %s: removed %s, left by a run that was killed", out, staged.name)


@contextlib.contextmanager
def _lock(out: Path) -> Iterator[Path]:
    """Hold ``.<out>.lock`` beside ``out``; refuse while another living process holds it."""
    lock = out.parent / f".{out.name}.lock"
    out.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                pid = int(lock.read_text().strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid and _pid_alive(pid) and pid != os.getpid():
                raise InputError(
                    f"--out {out}: another siting run (process {pid}) is writing there; wait for it to finish "
                    f"or choose another folder (if no run is going on, delete {lock})."
                ) from None
            with contextlib.suppress(FileNotFoundError):
                lock.unlink()  # left by a run that died
            _take_over(out)
            continue
        with os.fdopen(fd, "w") as f:
            f.write(str(os.getpid()))
        break
    else:
        raise InputError(f"--out {out}: cannot take the lock {lock}; delete it if no run is going on.")
    try:
        yield lock
    finally:
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()


@dataclass
class StagedRun:
    """Where a run writes: ``folder`` (moved onto ``out`` at the end) and staged map files."""

    out: Path | None
    folder: Path | None
    maps: dict[Path, Path] = field(default_factory=dict)

    def map_file(self, final: Path) -> Path:
        """Where to write the map whose final place is ``final`` (a hidden file beside it).

        Parameters
        ----------
        final : Path

        Returns
        -------
        pathlib.Path
        """
        final = Path(os.path.abspath(final))
        final.parent.mkdir(parents=True, exist_ok=True)
        staged = final.parent / f".{final.stem}.{os.getpid()}-{len(self.maps)}.tmp{final.suffix}"
        self.maps[staged] = final
        return staged


def _drop(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


@contextlib.contextmanager
def staged_run(out: Path | None) -> Iterator[StagedRun]:
    """Stage a run's outputs in temporary places; move them into place only if the block succeeds.

    ``out`` (checked with :func:`check_out_folder` first) is replaced whole, so no file of an
    earlier run survives; maps replace their own files only. On any exception (including
    KeyboardInterrupt) the staged files are removed and nothing in place changes.

    Parameters
    ----------
    out : Path or None
        The run folder, None for a run that writes only maps.

    Yields
    ------
    StagedRun
    """
    with contextlib.ExitStack() as stack:
        folder = None
        if out is not None:
            stack.enter_context(_lock(out))
            folder = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(folder, 0o777 & ~umask)  # a run folder gets the usual permissions, not a temp folder's
            stack.callback(shutil.rmtree, folder, ignore_errors=True)
        staged = StagedRun(out=out, folder=folder)
        stack.callback(lambda: _drop(list(staged.maps)))
        yield staged
        for tmp, final in staged.maps.items():
            os.replace(tmp, final)
        if out is not None and folder is not None:
            old = None
            if out.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
                os.replace(out, old / "run")
            os.replace(folder, out)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)

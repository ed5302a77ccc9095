"""Staging folders, and the check of an output location before any work. Standard library only, so
that the command line can check `--out` before it loads the optimiser.

A command fills its folder under a temporary name in the same parent folder and renames it into
place when it is complete (model.runs, model.frontier, model.compare). The temporary folder,
`.incomplete-<pid>-<random>`, holds a marker file its writer keeps locked (flock) until the rename.
A kill leaves the folder with its lock released, and the next write into the same parent folder
removes it. Folders without the marker (not the tool's, or from an older version), or whose marker
is still locked (a live writer, on this machine or another sharing the folder), are left alone.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock, so staging folders are never judged stale
    fcntl = None  # type: ignore[assignment]

STAGING_PREFIX = ".incomplete-"
"""The name every staging folder starts with (a run's, a frontier's, a comparison's)."""
STAGING_MARKER = ".e2eopt-staging"
"""The file in a staging folder that its writer holds locked; removed just before the rename."""


class OutputError(Exception):
    """The output location cannot take what a command would write: the place at fault (`place`: the
    folder asked for, or the parent of it that is a file or refuses new entries) and what is wrong."""

    def __init__(self, place: Path, reason: str, what: str = "") -> None:
        super().__init__(f"{what}{place} {reason}")
        self.place, self.reason, self.what = place, reason, what

    def said_of(self, given: Path) -> str:
        """The problem as told about `given` (what the user typed): `it is a file, not a folder` when
        the place at fault is `given` itself, `/tmp/x/r.txt is a file, not a folder` when it is above."""
        return f"it {self.reason}" if Path(self.place) == Path(given) else str(self)


_CLEANED: set[Path] = set()
"""The folders this process has removed stale staging folders from already."""


@contextlib.contextmanager
def staging_folder(parent: Path, prefix: str = STAGING_PREFIX) -> Iterator[Path]:
    """A new staging folder in `parent` (made if missing), marked and locked as this process's for as
    long as the block runs; removed if the block fails or is interrupted. The block renames it into
    place after `unmark` (move_into_place and move_to_fixed_name do). Stale staging folders a killed
    writer left in `parent` are removed first. Folders it had to make are removed too on a failure,
    if they are still empty (a full disk leaves no empty `runs/`)."""
    made = _missing(parent)
    parent.mkdir(parents=True, exist_ok=True)
    if parent.resolve() not in _CLEANED:  # once per folder and process: a sweep writes thousands of points
        remove_stale_staging(parent)
    staging = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent))
    lock = None
    try:
        lock = _mark(staging)
        yield staging
    except BaseException:  # an interrupt too: never leave a half-written folder
        discard(staging)
        _remove_empty(made)
        raise
    finally:
        if lock is not None:
            os.close(lock)


def _missing(folder: Path) -> list[Path]:
    """`folder` and those of its parents that do not exist yet, the deepest first."""
    missing = []
    for path in (folder, *folder.parents):
        if path.exists() or path.is_symlink():
            break
        missing.append(path)
    return missing


def _remove_empty(folders: list[Path]) -> None:
    """Remove each folder (the deepest first) if it is empty; leave it otherwise."""
    for path in folders:
        with contextlib.suppress(OSError):
            path.rmdir()


def _mark(staging: Path) -> int | None:
    """Write the marker under another name, lock it, then rename it into place: another process never
    sees the marker unlocked while this one lives. The open descriptor holds the lock (None: no flock)."""
    if fcntl is None:  # pragma: no cover - Windows
        return None
    draft = staging / f"{STAGING_MARKER}.draft"
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(descriptor, f"pid {os.getpid()}\n".encode())
        os.rename(draft, staging / STAGING_MARKER)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def unmark(staging: Path) -> None:
    """Remove the marker before the folder is renamed into place (the lock is released when the block
    of `staging_folder` ends); the finished folder then holds only what the command wrote."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(staging / STAGING_MARKER)


def remove_stale_staging(parent: Path) -> list[Path]:
    """Remove the staging folders in `parent` whose writer has died (killed during the write): only
    folders named `.incomplete-*` that hold the marker, and only when its lock can be taken (a live
    writer holds it). Returns what was removed; a folder that cannot be judged or removed is left."""
    if fcntl is None:  # pragma: no cover - Windows
        return []
    removed = []
    _CLEANED.add(parent.resolve())
    with contextlib.suppress(OSError):
        for entry in sorted(parent.iterdir()):
            if entry.name.startswith(STAGING_PREFIX) and not entry.is_symlink() and _stale(entry):
                removed.append(entry)
    return removed


DRAFT_AGE = 60.0
"""Seconds after which a staging folder holding only the marker's draft (its writer was killed while
making it) is judged by the draft's lock: a younger one may be a live writer's, not locked yet."""


def _stale(folder: Path) -> bool:
    """Whether `folder` is a dead writer's staging folder; if so it is removed, under its lock."""
    marker = folder / STAGING_MARKER
    draft = folder / f"{STAGING_MARKER}.draft"
    try:
        if not marker.is_file() and draft.is_file() and time.time() - draft.stat().st_mtime > DRAFT_AGE:
            marker = draft
        descriptor = os.open(marker, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:  # no marker: not ours, being made, or being renamed into place
        return False
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # its writer is alive (or another run is removing it)
            return False
        discard(folder)
        return not folder.exists()
    finally:
        os.close(descriptor)


def discard(folder: Path) -> None:
    """Remove a staging folder, its marker last: a kill part-way leaves it marked, so still removable."""
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            if entry.name.startswith(STAGING_MARKER):
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink()
    shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def staged_file(target: Path, replace: bool = True) -> Iterator[Path]:
    """A temporary file beside `target` to write, put in place when the block ends without error:
    renamed onto `target`, or (`replace=False`) linked to its name, which raises FileExistsError if
    the name is taken (nothing is replaced). A failure leaves no part of the file. The file gets the
    mode a plain `open` gives (0644 under umask 022), not mkstemp's private 0600: it is for its readers."""
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    staging = Path(name)
    try:
        os.fchmod(handle, 0o666 & ~_umask())
        os.close(handle)
        yield staging
        if replace:
            os.replace(staging, target)
        else:
            os.link(staging, target)
    finally:
        staging.unlink(missing_ok=True)


def _umask() -> int:
    """The process's umask, read without changing it where Linux shows it; elsewhere set and
    restored at once."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_output_folder(folder: str | Path) -> list[Path]:
    """Check, before any work, that a command can write its folder under `folder`: by making it (and
    any missing parents) and a staging folder in it, then removing what was made, so nothing is left.
    Raises OutputError naming the place at fault and what is wrong; returns the stale staging folders
    removed."""
    folder = Path(folder)
    made = _missing(folder)
    existing = made[-1].parent if made else folder
    if existing.exists() and not existing.is_dir():
        raise OutputError(existing, "is a file, not a folder")
    place = existing  # making the missing folders fails for want of a right in the deepest one there is
    try:
        folder.mkdir(parents=True, exist_ok=True)
        place = folder
        removed = remove_stale_staging(folder)
        with staging_folder(folder) as probe:
            (probe / "probe").write_bytes(b"")  # a file too: a folder may be creatable where files are not
            discard(probe)
    except OSError as error:
        raise OutputError(place, f"cannot be written to: {_refusal(error, place)}") from None
    finally:
        _remove_empty(made)
    return removed


def check_output_file(target: str | Path) -> None:
    """Check, before any work, that a command can write the file `target`: its folder exists, is a
    folder, and takes new files (found by trying, as check_output_folder does). Raises OutputError."""
    target = Path(target)
    missing = _missing(target.parent)
    existing = missing[-1].parent if missing else target.parent
    if existing.exists() and not existing.is_dir():
        raise OutputError(existing, "is a file, not a folder")
    if missing:
        raise OutputError(target.parent, "does not exist", what="the folder ")
    check_output_folder(target.parent)


def _refusal(error: OSError, place: Path) -> str:
    """Why `place` refused a new entry. A folder that is there but says ENOENT (/proc, a virtual file
    system) takes no new entries: "No such file or directory" would send the reader looking for it."""
    if error.errno == errno.ENOENT and place.is_dir():
        return "it takes no new files (a virtual file system: it answers No such file or directory, ENOENT)"
    return describe(error)


def describe(error: OSError) -> str:
    """An OSError as a reader takes it: `No space left on device (ENOSPC)`, without the Python noise."""
    name = errno.errorcode.get(error.errno or 0)
    text = error.strerror or str(error)
    return f"{text} ({name})" if name else text

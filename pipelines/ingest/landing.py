"""Walk a folder of the landing zone without leaving it.

Ingestion reads what is *in* the landing zone, never what a link points at elsewhere:
a symbolic link (to a file or a folder) is followed only when its target resolves
inside the landing zone; a link that leaves it, a link to nothing, a folder reached a
second time through a link, and anything that is not a regular file (a FIFO would
block the read forever) are not read but returned as `Skipped`, with a reason a
person can act on, so the run can say so. Nothing here opens a file: a refused
link's contents are never read, so they cannot end up in a message.

Names starting with `.` or `_` (editor and OS droppings, `_SUCCESS` markers,
`_archive/` folders) are skipped silently, as the data contract says.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["FolderScan", "Skipped", "is_hidden", "scan_folder"]


@dataclass(frozen=True)
class Skipped:
    """Something under the landing zone that is not read."""

    path: Path  # as found under the folder (the link itself, not its target)
    reason: str


@dataclass(frozen=True)
class FolderScan:
    files: list[Path] = field(default_factory=list)  # regular files, as found under the folder, sorted
    skipped: list[Skipped] = field(default_factory=list)


def is_hidden(name: str) -> bool:
    return name.startswith((".", "_"))


def _outside(target: Path, root: Path) -> bool:
    return target != root and not target.is_relative_to(root)


def _link_problem(entry: Path, root: Path) -> str | None:
    """Why a symbolic link must not be followed, or None when its target is inside `root`."""
    target = Path(os.path.realpath(entry))
    if _outside(target, root):
        return (
            f"a symbolic link to {target}, outside the landing zone {root}: "
            "refused (copy or move the file into the landing zone)"
        )
    if not target.exists():
        return f"a broken symbolic link (to {target}, which does not exist)"
    return None


def scan_folder(folder: Path, root: Path | None = None) -> FolderScan:
    """Every regular file under `folder` that stays inside `root` (default: `folder` itself).

    The paths returned are the paths as found (a file reached through a link keeps the
    link's name), in a stable order; what is not read is in `skipped`."""
    root_real = Path(os.path.realpath(root if root is not None else folder))
    scan = FolderScan()
    if not (folder.is_dir() or folder.is_symlink()):
        return scan
    if folder.is_symlink():
        problem = _link_problem(folder, root_real)
        if problem:
            scan.skipped.append(Skipped(folder, problem))
            return scan
    seen: set[Path] = set()
    pending = [folder]
    while pending:
        current = pending.pop()
        real = Path(os.path.realpath(current))
        if real in seen:
            scan.skipped.append(
                Skipped(current, f"a link to the folder {real}, which is read already under its own name")
            )
            continue
        seen.add(real)
        try:
            entries = sorted(current.iterdir())
        except OSError as exc:
            scan.skipped.append(Skipped(current, f"the folder cannot be listed: {exc.strerror or type(exc).__name__}"))
            continue
        folders: list[Path] = []
        for entry in entries:
            if is_hidden(entry.name):
                continue
            try:
                if entry.is_symlink():
                    problem = _link_problem(entry, root_real)
                    if problem:
                        scan.skipped.append(Skipped(entry, problem))
                        continue
                if entry.is_dir():
                    folders.append(entry)
                elif entry.is_file():
                    scan.files.append(entry)
                else:
                    scan.skipped.append(Skipped(entry, "not a regular file (a device, socket or pipe)"))
            except OSError as exc:
                scan.skipped.append(Skipped(entry, f"cannot be inspected: {exc.strerror or type(exc).__name__}"))
        pending.extend(reversed(folders))
    scan.files.sort()
    scan.skipped.sort(key=lambda s: s.path)
    return scan

"""Folders a user names for output (``--out`` of every command, ``out``/
``out_dir`` from Python): checked under the name the user gave them, before
any work, so that a typo costs a one-line message and not a half-done run.
"""

from __future__ import annotations

import os
from pathlib import Path

from imbalance_lab.errors import InvalidParameterError


def check_output_folder(path: str | os.PathLike, name: str, purpose: str) -> Path:
    """``path`` as a :class:`~pathlib.Path`, once sure a folder can be there.

    Raises :class:`InvalidParameterError` naming ``name`` and the path when
    the path is empty (``Path("")`` would quietly mean the working folder),
    or when it, or a folder above it, exists but is not a folder (a file, a
    dangling link). ``purpose`` ends the message: "a folder to write
    ``purpose`` in".
    """
    if str(path).strip() == "":
        raise InvalidParameterError(name, str(path), "a folder path (it is empty)")
    folder = Path(path)
    for place in (folder, *folder.parents):
        if not os.path.lexists(place):
            continue
        if place.is_dir():
            return folder
        what = "is a file" if place.is_file() else "is not a folder"
        where = f"this path {what}" if place == folder else f"{place} {what}, so no folder can be made in it"
        raise InvalidParameterError(name, str(path), f"a folder to write {purpose} in ({where})")
    return folder

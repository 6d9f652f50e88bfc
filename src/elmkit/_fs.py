"""File-system facts shared by the modules that write files."""

from __future__ import annotations

import os

__all__ = ["new_file_mode"]


def new_file_mode() -> int:
    """The permissions a file created now gets, as ``open`` would give it: 0o666 less the
    process's umask (0o644 under the usual 022, 0o640 under 027). On Linux it is read from
    ``/proc``; elsewhere the umask is set and put back at once."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask

"""Filesystems the tests make for the ledger to meet: a read-only folder the current user
cannot get round, and a small disk filled to the last byte."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make a folder and its files read-only in a way the current user cannot get round:
    the immutable attribute for root (whom permissions do not stop), else permissions."""
    paths = [*folder.iterdir(), folder]
    if os.geteuid() == 0:
        if not shutil.which("chattr"):
            pytest.skip("running as root without chattr: no way to make a file read-only")
        made = subprocess.run(["chattr", "+i", *map(str, paths)], capture_output=True)
        if made.returncode != 0:
            pytest.skip(f"chattr +i is not supported here: {made.stderr.strip()!r}")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", *map(str, paths)], check=True)
        return
    modes = {path: path.stat().st_mode for path in paths}
    for path in paths:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        yield
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


@contextlib.contextmanager
def small_disk(folder: Path, size: str = "2m") -> Iterator[Path]:
    """A real filesystem of ``size`` mounted at ``folder`` (tmpfs; needs the right to
    mount, as root has in most containers), unmounted afterwards."""
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def fill(folder: Path) -> Path:
    """Fill the filesystem holding ``folder`` to the last byte."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as file:
        for size in (1 << 20, 1 << 12, 1):
            with contextlib.suppress(OSError):
                while True:
                    file.write(b"\0" * size)
    return filler


@contextlib.contextmanager
def read_only_mount(folder: Path, at: Path) -> Iterator[Path]:
    """``folder`` seen again at ``at`` through a read-only bind mount (a read-only
    filesystem, as a shared mount may be; needs the right to mount), unmounted after."""
    at.mkdir()
    for command in (["mount", "--bind"], ["mount", "-o", "remount,ro,bind"]):
        paths = [str(folder), str(at)] if "--bind" in command else [str(at)]
        mounted = subprocess.run([*command, *paths], capture_output=True, text=True)
        if mounted.returncode != 0:
            subprocess.run(["umount", str(at)], capture_output=True)
            pytest.skip(f"cannot mount a folder read-only here: {mounted.stderr.strip()}")
    try:
        yield at
    finally:
        subprocess.run(["umount", str(at)], check=True)

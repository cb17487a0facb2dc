"""Files in and out: which files to check, reading them exactly, writing fixes safely.

Text is decoded from bytes with the file's PEP 263 encoding (a UTF-8 BOM is
kept), without newline translation, so that a fix changes only the text it
inserts: CRLF stays CRLF.  Writes go to a temporary file in the same folder,
which then replaces the original (``os.replace``) with the original's
permissions, and only if the file still holds what was read.
"""

from __future__ import annotations

import contextlib
import difflib
import fnmatch
import io
import os
import re
import stat
import sys
import tempfile
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

STDIN = "-"
_LINE = re.compile(r".*?(?:\r\n|\r|\n|$)", re.DOTALL)
SUFFIXES = (".py", ".ipynb")
# Folders never searched when recursing (they can still be named explicitly).
DEFAULT_EXCLUDES = frozenset(
    {
        ".bzr", ".direnv", ".eggs", ".git", ".hg", ".ipynb_checkpoints", ".mypy_cache", ".nox", ".pytest_cache",
        ".ruff_cache", ".svn", ".tox", ".venv", "__pycache__", "__pypackages__", "_build",
        "build", "dist", "node_modules", "venv",
    }
)


class SourceError(Exception):
    """A file that cannot be read, decoded or written; the message says why."""


@dataclass(frozen=True)
class Target:
    """One source to check: ``path`` is None for standard input."""

    display: str
    path: Optional[Path]


@dataclass(frozen=True)
class SourceText:
    raw: bytes
    text: str
    encoding: str  # "utf-8-sig" when the file starts with a BOM

    def encode(self, text: str) -> bytes:
        return text.encode(self.encoding)


def _excluded(path: str, patterns: Sequence[str]) -> bool:
    name = os.path.basename(path)
    full = os.path.abspath(path)
    return any(fnmatch.fnmatch(full if "/" in p or os.sep in p else name, p) for p in patterns)


def _walk(top: str, patterns: Sequence[str]) -> Iterator[str]:
    for folder, folders, files in os.walk(top):
        folders[:] = sorted(
            name for name in folders
            if name not in DEFAULT_EXCLUDES and not _excluded(os.path.join(folder, name), patterns)
        )
        for name in sorted(files):
            path = os.path.join(folder, name)
            if name.endswith(SUFFIXES) and not _excluded(path, patterns):
                yield path


def skipped_under(top: str, path: str, patterns: Sequence[str]) -> bool:
    """Whether collecting the folder ``top`` would skip the file ``path`` (an editor's open file):
    the file or a folder between them is excluded.  A file outside ``top`` is judged as a named one."""
    relative = os.path.relpath(path, top)
    if relative.split(os.sep)[0] == os.pardir:
        return _excluded(path, patterns)
    folder = top
    for name in relative.split(os.sep)[:-1]:
        folder = os.path.join(folder, name)
        if name in DEFAULT_EXCLUDES or _excluded(folder, patterns):
            return True
    return _excluded(path, patterns)


def split_lines(text: str) -> List[str]:
    """Lines with their endings, split only where Python ends a line (not at form feeds)."""
    return [line for line in _LINE.findall(text) if line]


def unified_diff(display: str, before: str, after: str) -> str:
    """A unified diff labelled as git labels it (``a/path``, ``b/path``; an absolute path as it is)."""
    old, new = split_lines(before), split_lines(after)
    labels = (display, display) if os.path.isabs(display) else (f"a/{display}", f"b/{display}")  # git's -p1
    lines = difflib.unified_diff(old, new, *labels)
    return "".join(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n" for line in lines)


def collect(paths: Iterable[str], patterns: Sequence[str], stdin_name: str) -> Tuple[List[Target], List[str]]:
    """The sources named by ``paths`` (files, folders, ``-``), sorted, and the paths that do not exist.

    Named files are checked whatever their extension (as flake8 does; pre-commit
    passes scripts with a Python shebang), and named folders are searched even
    if the default excludes list them; the user's exclude patterns apply to both.
    """
    found: Dict[str, Target] = {}
    errors: List[str] = []
    for given in paths:
        if given == STDIN:
            found.setdefault(STDIN, Target(stdin_name, None))
        elif os.path.isdir(given):
            if _excluded(os.path.normpath(given), patterns):
                continue
            for path in _walk(given, patterns):
                found.setdefault(os.path.realpath(path), _target(path))
        elif os.path.isfile(given):
            if not _excluded(given, patterns):
                found.setdefault(os.path.realpath(given), _target(given))
        else:
            errors.append(given)
    return sorted(found.values(), key=lambda target: target.display), errors


def _target(path: str) -> Target:
    display = os.path.normpath(path)  # "./a.py" -> "a.py"
    return Target(display, Path(display))


def decode(raw: bytes) -> SourceText:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
        return SourceText(raw, raw.decode(encoding), encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as error:
        raise SourceError(f"cannot decode: {error}") from None


def read(target: Target) -> SourceText:
    try:
        raw = sys.stdin.buffer.read() if target.path is None else target.path.read_bytes()
    except OSError as error:
        raise SourceError(f"cannot read: {error.strerror or error}") from None
    return decode(raw)


def _is_read_only(path: Path, mode: int) -> bool:
    # root may write anything, so os.access alone would call a 0o444 file writable.
    return not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(path, os.W_OK)


def write(path: Path, before: SourceText, text: str) -> None:
    """Replace ``path``'s content with ``text`` in ``before``'s encoding, atomically."""
    target = Path(os.path.realpath(path))  # replace the file a symlink points to, not the link
    try:
        status = target.stat()
        if _is_read_only(target, status.st_mode):
            raise SourceError("the file is read-only; not changed")
        if target.read_bytes() != before.raw:
            raise SourceError("the file changed on disk while it was being fixed; not changed")
        _replace(target, before.encode(text), status)
    except OSError as error:
        raise SourceError(f"cannot write: {error.strerror or error}") from None


def _replace(target: Path, content: bytes, status: os.stat_result) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, stat.S_IMODE(status.st_mode))
        _keep_owner(temporary, status)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _keep_owner(temporary: str, status: os.stat_result) -> None:
    chown = getattr(os, "chown", None)
    current = os.stat(temporary)
    if chown is not None and (current.st_uid, current.st_gid) != (status.st_uid, status.st_gid):
        with contextlib.suppress(OSError):  # only the owner's group or root may do this
            chown(temporary, status.st_uid, status.st_gid)

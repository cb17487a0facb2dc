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
import io
import os
import re
import stat
import sys
import tempfile
import tokenize
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import TYPE_CHECKING, Dict, Iterable, List, Optional, Sequence

if TYPE_CHECKING:
    import pathspec

STDIN = "-"
_LINE = re.compile(r".*?(?:\r\n|\r|\n|$)", re.DOTALL)
SUFFIXES = (".py", ".ipynb")
# Folders never searched when recursing (they can still be named explicitly).
DEFAULT_EXCLUDES = frozenset(
    {
        ".bzr", ".direnv", ".eggs", ".git", ".hg", ".ipynb_checkpoints", ".mypy_cache", ".nox", ".pytest_cache",
        ".ruff_cache", ".svn", ".tox", ".venv", "__pycache__", "__pypackages__", "_build",
        "build", "dist", "node_modules", "site-packages", "venv",
    }
)
VENV_MARKER = "pyvenv.cfg"  # every virtual environment has one at its top (PEP 405)
GITIGNORE = ".gitignore"


class SourceError(Exception):
    """A file that cannot be read, decoded or written; the message says why."""


@dataclass(frozen=True)
class Target:
    """One source to check: ``path`` is None for standard input."""

    display: str
    path: Optional[Path]


@dataclass(frozen=True)
class Skipped:
    """A file or folder that the search left out, and why (``--verbose`` shows them)."""

    path: str
    reason: str


@dataclass
class Collected:
    targets: List[Target] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)
    skipped: List[Skipped] = field(default_factory=list)


@dataclass(frozen=True)
class SourceText:
    raw: bytes
    text: str
    encoding: str  # "utf-8-sig" when the file starts with a BOM

    def encode(self, text: str) -> bytes:
        return text.encode(self.encoding)


def split_lines(text: str) -> List[str]:
    """Lines with their endings, split only where Python ends a line (not at form feeds)."""
    return [line for line in _LINE.findall(text) if line]


def unified_diff(display: str, before: str, after: str) -> str:
    """A unified diff labelled as git labels it (``a/path``, ``b/path``; an absolute path as it is)."""
    old, new = split_lines(before), split_lines(after)
    labels = (display, display) if os.path.isabs(display) else (f"a/{display}", f"b/{display}")  # git's -p1
    lines = difflib.unified_diff(old, new, *labels)
    return "".join(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n" for line in lines)


def normalize_pattern(pattern: str, base: Path) -> str:
    """flake8's rule: a pattern with a slash (or ``.``) names a path under ``base``; others match a name."""
    if pattern == "." or os.sep in pattern or (os.altsep and os.altsep in pattern):
        pattern = os.path.abspath(os.path.join(base, pattern))
    return pattern.rstrip(os.sep + (os.altsep or ""))


def matches_path(path: str, pattern: str) -> bool:
    """flake8's ``matches_filename``: the pattern matches the base name or the absolute path."""
    name = os.path.basename(path)
    if name not in {".", ".."} and fnmatch(name, pattern):
        return True
    return fnmatch(os.path.abspath(path), pattern)


class GitIgnores:
    """The ``.gitignore`` files that apply to a path: those from the repository's top folder down.

    Outside a git repository the files from the searched folder down apply.
    Each file's patterns are relative to its own folder, as in git.
    """

    def __init__(self) -> None:
        self._specs: Dict[str, Optional[pathspec.GitIgnoreSpec]] = {}

    def reason(self, path: str, top: str, is_dir: bool) -> Optional[str]:
        """Why ``path`` (absolute) is ignored, or None; ``top`` is the highest folder whose rules apply."""
        folder = os.path.dirname(path)
        folders = []
        while True:
            folders.append(folder)
            if folder == top or os.path.dirname(folder) == folder:
                break
            folder = os.path.dirname(folder)
        for folder in reversed(folders):
            spec = self._spec(folder)
            relative = os.path.relpath(path, folder).replace(os.sep, "/") + ("/" if is_dir else "")
            if spec is not None and spec.match_file(relative):
                return f"ignored by {os.path.join(folder, GITIGNORE)}"
        return None

    def _spec(self, folder: str) -> Optional[pathspec.GitIgnoreSpec]:
        import pathspec  # only a folder search needs it, not the flake8 plugin

        if folder not in self._specs:
            lines = _lines_of(os.path.join(folder, GITIGNORE))
            if os.path.isdir(os.path.join(folder, ".git")):
                lines += _lines_of(os.path.join(folder, ".git", "info", "exclude"))
            self._specs[folder] = pathspec.GitIgnoreSpec.from_lines(lines) if lines else None
        return self._specs[folder]


def _lines_of(path: str) -> List[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read().splitlines()
    except OSError:
        return []


def repository_top(folder: str) -> Optional[str]:
    """The nearest folder at or above ``folder`` that holds ``.git``."""
    current = os.path.abspath(folder)
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


class Search:
    """Which files a run checks: named ones, and the Python files under named folders."""

    def __init__(self, exclude: Sequence[str], stdin_name: str, force_exclude: bool = False) -> None:
        self.exclude = exclude  # patterns as ``config.matches_path`` takes them
        self.stdin_name = stdin_name
        self.force_exclude = force_exclude
        self.gitignores = GitIgnores()
        self.found: Dict[str, Target] = {}
        self.result = Collected()

    def add(self, given: str) -> None:
        if given == STDIN:
            self.found.setdefault(STDIN, Target(self.stdin_name, None))
        elif os.path.isdir(given):
            if not self._skip_pattern(os.path.normpath(given)):
                self._walk(given)
        elif os.path.isfile(given):
            if not self._skip_pattern(given) and not (self.force_exclude and self._skip_named(given)):
                self._take(given)
        else:
            self.result.missing.append(given)

    def _skip_pattern(self, path: str) -> bool:
        reason = self.pattern_reason(path)
        if reason is not None:
            self.result.skipped.append(Skipped(os.path.normpath(path), reason))
        return reason is not None

    def pattern_reason(self, path: str) -> Optional[str]:
        matching = (pattern for pattern in self.exclude if matches_path(path, pattern))
        return next((f"excluded by {pattern!r}" for pattern in matching), None)

    def _skip_named(self, path: str) -> bool:
        """A named file that a folder search from the repository's top (or the working folder)
        would leave out (ruff's ``--force-exclude``)."""
        absolute = os.path.abspath(path)
        reason = self.why_skipped(absolute, repository_top(os.path.dirname(absolute)) or os.getcwd())
        if reason is not None:
            self.result.skipped.append(Skipped(os.path.normpath(path), reason))
        return reason is not None

    def why_skipped(self, path: str, top: str) -> Optional[str]:
        """Why a search of the folder ``top`` would leave out the file ``path`` (both absolute)."""
        rules_top = repository_top(top) or top
        folder, folders = os.path.dirname(path), []
        while folder.startswith(top + os.sep):
            folders.append(folder)
            folder = os.path.dirname(folder)
        for folder in reversed(folders):
            reason = self._folder_reason(folder, rules_top) or self.pattern_reason(folder)
            if reason is not None:
                return reason
        return self.pattern_reason(path) or self.gitignores.reason(path, rules_top, is_dir=False)

    def _take(self, path: str) -> None:
        self.found.setdefault(os.path.realpath(path), Target(os.path.normpath(path), Path(os.path.normpath(path))))

    def _walk(self, top: str) -> None:
        top_folder = os.path.abspath(top)
        rules_top = repository_top(top_folder) or top_folder
        if top_folder != rules_top and self.gitignores.reason(top_folder, rules_top, is_dir=True) is not None:
            rules_top = top_folder  # named although ignored: only its own .gitignore files apply
        for folder, folders, files in os.walk(top):
            kept = []
            for name in sorted(folders):
                path = os.path.join(folder, name)
                reason = self._folder_reason(path, rules_top)
                if reason is not None:
                    self.result.skipped.append(Skipped(os.path.normpath(path), reason))
                elif not self._skip_pattern(path):
                    kept.append(name)
            folders[:] = kept
            for name in sorted(files):
                path = os.path.join(folder, name)
                if not name.endswith(SUFFIXES) or self._skip_pattern(path):
                    continue
                reason = self.gitignores.reason(os.path.abspath(path), rules_top, is_dir=False)
                if reason is not None:
                    self.result.skipped.append(Skipped(os.path.normpath(path), reason))
                else:
                    self._take(path)

    def _folder_reason(self, path: str, rules_top: str) -> Optional[str]:
        name = os.path.basename(path)
        if name in DEFAULT_EXCLUDES:
            return "excluded by default"
        if os.path.isfile(os.path.join(path, VENV_MARKER)):
            return f"a virtual environment ({VENV_MARKER})"
        return self.gitignores.reason(os.path.abspath(path), rules_top, is_dir=True)


def skipped_under(top: str, path: str, patterns: Sequence[str]) -> bool:
    """Whether searching the folder ``top`` would leave out the file ``path`` (an editor's open
    file).  A file outside ``top`` is judged as a named one, by the exclude patterns."""
    search = Search(patterns, STDIN)
    absolute, top = os.path.abspath(path), os.path.abspath(top)
    if not absolute.startswith(top + os.sep):
        return search.pattern_reason(absolute) is not None
    return search.why_skipped(absolute, top) is not None


def collect(paths: Iterable[str], exclude: Sequence[str], stdin_name: str, force_exclude: bool = False) -> Collected:
    """The sources named by ``paths`` (files, folders, ``-``), sorted; the paths that do not exist;
    what the search skipped.

    Folders are searched for Python files, leaving out the usual tool and build
    folders, virtual environments, ``site-packages`` and what ``.gitignore``
    files ignore.  Named files are checked whatever their extension (as flake8
    does; pre-commit passes scripts with a Python shebang) and even if git
    ignores them, and named folders are searched even if the default excludes
    list them; the user's exclude patterns apply to both.  With ``force_exclude`` (pre-commit
    names every file) a named file is left out wherever a folder search would leave it out.
    """
    search = Search(exclude, stdin_name, force_exclude)
    for given in paths:
        search.add(given)
    search.result.targets = sorted(search.found.values(), key=lambda target: target.display)
    return search.result


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

"""Settings from ``[tool.flake8-detach]`` in the nearest ``pyproject.toml``.

The search starts in the working directory and goes up; the first
``pyproject.toml`` that has the table wins (files without it are skipped, as
ruff does).  Keys: ``select``, ``ignore``, ``extend-select``, ``extend-ignore``
(codes or prefixes, a list or a comma-separated string), ``fix-style``
(``"detach"`` or ``"force"``) and ``exclude`` (glob patterns; one with a ``/``
is relative to the file's directory).  Unknown keys and bad values are errors.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Optional, Tuple

from flake8_detach.frontends.common import UsageError, parse_fix_style
from flake8_detach.frontends.filtering import split_codes, validate_codes
from flake8_detach.frontends.toml_reader import TABLE, TomlError, read_table
from flake8_detach.settings import FixStyle

CONFIG_NAME = "pyproject.toml"
_MARKER = TABLE[1]


@dataclass(frozen=True)
class Config:
    """Where each field is None or empty, the default (or the command line) decides."""

    path: Optional[Path] = None
    select: Optional[Tuple[str, ...]] = None
    ignore: Optional[Tuple[str, ...]] = None
    extend_select: Tuple[str, ...] = ()
    extend_ignore: Tuple[str, ...] = ()
    fix_style: Optional[FixStyle] = None
    exclude: Tuple[str, ...] = ()


def normalize_patterns(patterns: Tuple[str, ...], base: Path) -> Tuple[str, ...]:
    """A pattern with a slash names a path under ``base``; one without matches any file or folder name."""
    return tuple(
        os.path.normpath(os.path.join(base, pattern)) if "/" in pattern or os.sep in pattern else pattern
        for pattern in patterns
    )


def candidates(start: Path) -> Iterator[Path]:
    for directory in (start, *start.parents):
        path = directory / CONFIG_NAME
        if path.is_file():
            yield path


def discover(start: Path) -> Config:
    """The configuration that applies in ``start``: the nearest pyproject.toml with our table."""
    for path in candidates(start.resolve()):
        config = load(path, required=False)
        if config is not None:
            return config
    return Config()


def load(path: Path, required: bool = True) -> Optional[Config]:
    """Read ``path``; None when it has no table and ``required`` is false."""
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"{path}: cannot read configuration: {error}") from None
    if _MARKER not in text and not required:
        return None  # not ours: skip without parsing it
    try:
        table = read_table(text)
    except TomlError as error:
        raise UsageError(f"{path}: invalid TOML: {error}") from None
    if table is None:
        if required:
            raise UsageError(f"{path}: no [{'.'.join(TABLE)}] table")
        return None
    return _from_table(table, path)


def _from_table(table: Dict[str, Any], path: Path) -> Config:
    config = Config(path=path)
    for raw_key, value in table.items():
        key = raw_key.replace("_", "-")
        reader = _READERS.get(key)
        if reader is None:
            raise UsageError(f"{path}: unknown key {raw_key!r} in [{'.'.join(TABLE)}] (known: {', '.join(_READERS)})")
        config = replace(config, **{key.replace("-", "_"): reader(value, f"{path}: {raw_key}", path.parent)})
    return config


def _strings(value: Any, where: str) -> Tuple[str, ...]:
    if isinstance(value, str):
        return tuple(split_codes(value))
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise UsageError(f"{where}: expected a list of strings")


def _codes(value: Any, where: str, base: Path) -> Tuple[str, ...]:
    return validate_codes(_strings(value, where), where)


def _fix_style(value: Any, where: str, base: Path) -> FixStyle:
    if not isinstance(value, str):
        raise UsageError(f"{where}: expected a string")
    return parse_fix_style(value, where)


def _exclude(value: Any, where: str, base: Path) -> Tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    return normalize_patterns(_strings(value, where), base)


_READERS: Dict[str, Callable[[Any, str, Path], Any]] = {
    "select": _codes,
    "ignore": _codes,
    "extend-select": _codes,
    "extend-ignore": _codes,
    "fix-style": _fix_style,
    "exclude": _exclude,
}

"""One configuration for every front end: flake8's own file, ``[tool.flake8-detach]``, the command line.

``load_configuration`` is the one entry point (the command line and the
language server call it).  Layers, each over the one before:

1. flake8's configuration: the ``[flake8]`` section of the first ``setup.cfg``,
   ``tox.ini`` or ``.flake8`` found from the start folder upwards, found and
   read as flake8 finds and reads it (``select``, ``extend-select``, ``ignore``,
   ``extend-ignore``, ``per-file-ignores``, ``exclude``, ``extend-exclude``,
   ``detach-fix-style``; other keys belong to flake8 and its other plugins);
2. ``[tool.flake8-detach]`` in the nearest ``pyproject.toml`` that has it;
3. the command line.

A later ``select``, ``ignore`` or fix style replaces the earlier one; the
``extend-*`` lists, exclude patterns and per-file ignores add up.
"""

from __future__ import annotations

import configparser
import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from flake8_detach.frontends.codes import PREFIX
from flake8_detach.frontends.common import UsageError, parse_fix_style
from flake8_detach.frontends.filtering import Selection, split_codes, validate_codes
from flake8_detach.frontends.sources import matches_path, normalize_pattern
from flake8_detach.settings import FixStyle, Settings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised by CI on the oldest Python
    import tomli as tomllib

PYPROJECT = "pyproject.toml"
TABLE = "tool.flake8-detach"
FLAKE8_FILES = ("setup.cfg", "tox.ini", ".flake8")  # flake8's order of preference within a folder
FLAKE8_SECTION = "flake8"
_FLAKE8_SECTIONS = (FLAKE8_SECTION, "flake8:local-plugins")  # either makes a file flake8's

# A per-file-ignores entry: (pattern as flake8 matches it, codes).
PerFileEntry = Tuple[str, Tuple[str, ...]]


@dataclass(frozen=True)
class Layer:
    """What one source of configuration says; None and empty mean "says nothing"."""

    origin: str
    select: Optional[Tuple[str, ...]] = None
    ignore: Optional[Tuple[str, ...]] = None
    extend_select: Tuple[str, ...] = ()
    extend_ignore: Tuple[str, ...] = ()
    per_file_ignores: Tuple[PerFileEntry, ...] = ()
    exclude: Tuple[str, ...] = ()
    fix_style: Optional[FixStyle] = None


@dataclass(frozen=True)
class PerFileIgnores:
    """flake8's per-file ignores: of the patterns that match a file, the longest applies, alone."""

    entries: Tuple[PerFileEntry, ...] = ()

    def codes_for(self, path: str) -> Tuple[str, ...]:
        matching = [(pattern, codes) for pattern, codes in self.entries if matches_path(path, pattern)]
        if not matching:
            return ()
        return max(matching, key=lambda entry: len(entry[0]))[1]


@dataclass(frozen=True)
class Configuration:
    """Everything a front end needs to decide what to check and what to report."""

    settings: Settings = Settings()
    selection: Selection = Selection()
    per_file_ignores: PerFileIgnores = PerFileIgnores()
    exclude: Tuple[str, ...] = ()  # patterns as ``matches_path`` takes them
    files: Tuple[Path, ...] = field(default=())  # the configuration files read, lowest precedence first

    def selection_for(self, path: str) -> Selection:
        """The selection for one file, its per-file ignores included."""
        codes = self.per_file_ignores.codes_for(path)
        if not codes:
            return self.selection
        return replace(self.selection, extend_ignore=self.selection.extend_ignore + codes)

    def settings_showing(self, selection: Selection) -> Settings:
        """The checker's settings for a file shown with ``selection`` (``selection_for``): told
        which rules it shows, it skips what only a hidden rule could report (the walk over the
        ``ast`` clears more files without DET103)."""
        return replace(self.settings, rules=selection.shown())


def load_configuration(start: Path, config_file: Optional[Path] = None, isolated: bool = False,
                       command_line: Optional[Layer] = None) -> Configuration:
    """The configuration that applies to a run started in ``start``.

    ``config_file`` replaces the search: a ``.toml`` file is read for our table,
    any other for flake8's section.  ``isolated`` reads no file.  Bad files and
    values raise ``UsageError`` naming the file.
    """
    start = start.resolve()
    if isolated:
        layers: List[Layer] = []
    elif config_file is not None:
        layers = [_read_explicit(config_file, start)]
    else:
        layers = [layer for layer in (_discover_flake8(start), _discover_pyproject(start)) if layer is not None]
    if command_line is not None:
        layers.append(command_line)
    return _merge(layers)


def pyproject_fix_style(start: Path) -> Optional[FixStyle]:
    """The fix style of the nearest ``[tool.flake8-detach]`` (the flake8 plugin's one option of ours)."""
    layer = _discover_pyproject(start.resolve())
    return None if layer is None else layer.fix_style


def _merge(layers: Sequence[Layer]) -> Configuration:
    merged = Layer("merged")
    for layer in layers:
        merged = Layer(
            "merged",
            select=layer.select if layer.select is not None else merged.select,
            ignore=layer.ignore if layer.ignore is not None else merged.ignore,
            extend_select=merged.extend_select + layer.extend_select,
            extend_ignore=merged.extend_ignore + layer.extend_ignore,
            per_file_ignores=merged.per_file_ignores + layer.per_file_ignores,
            exclude=merged.exclude + layer.exclude,
            fix_style=layer.fix_style or merged.fix_style,
        )
    return Configuration(
        settings=Settings() if merged.fix_style is None else Settings(fix_style=merged.fix_style),
        selection=Selection(merged.select, merged.ignore, merged.extend_select, merged.extend_ignore),
        per_file_ignores=PerFileIgnores(merged.per_file_ignores),
        exclude=merged.exclude,
        files=tuple(Path(layer.origin) for layer in layers if os.path.isabs(layer.origin)),
    )


def _read_explicit(path: Path, start: Path) -> Layer:
    if not path.is_file():
        raise UsageError(f"{path}: no such configuration file")
    path = path.resolve()
    if path.suffix == ".toml":
        layer = _read_pyproject(path, required=True)
        assert layer is not None  # required=True raises instead
        return layer
    parser = _parse_ini(path)
    if parser is None:
        raise UsageError(f"{path}: cannot read configuration")
    return _flake8_layer(parser, path, start)


# --- flake8's file ------------------------------------------------------------------------------


def flake8_candidates(start: Path) -> Iterator[Path]:
    """Folders flake8 searches: ``start`` and its parents, stopping below the home folder."""
    home = Path(os.path.expanduser("~"))
    folder = start
    while True:
        yield folder
        parent = folder.parent
        if parent == folder or (home.is_absolute() and parent == home):
            return
        folder = parent


def _parse_ini(path: Path) -> Optional[configparser.RawConfigParser]:
    parser = configparser.RawConfigParser()
    try:
        if not parser.read(path, encoding="UTF-8"):
            return None
    except (UnicodeDecodeError, configparser.Error):
        return None  # flake8 skips a file it cannot parse
    return parser


def _discover_flake8(start: Path) -> Optional[Layer]:
    for folder in flake8_candidates(start):
        for name in FLAKE8_FILES:
            path = folder / name
            if not path.is_file():
                continue
            parser = _parse_ini(path)
            if parser is not None and any(section in parser for section in _FLAKE8_SECTIONS):
                return _flake8_layer(parser, path, start)
    return None


def _flake8_list(value: str) -> Tuple[str, ...]:
    return tuple(split_codes(value))


def _foreign_codes(value: str, where: str) -> Tuple[str, ...]:
    """Codes of any plugin: ours must exist (a typo would silently select nothing), others pass."""
    codes = tuple(code.upper() for code in _flake8_list(value))
    validate_codes((code for code in codes if code.startswith(PREFIX)), where)
    return codes


def _flake8_layer(parser: configparser.RawConfigParser, path: Path, start: Path) -> Layer:
    if FLAKE8_SECTION not in parser:
        return Layer(str(path))
    section = parser[FLAKE8_SECTION]
    values: Dict[str, Any] = {}
    for raw_key, value in section.items():
        key = raw_key.replace("_", "-")
        where = f"{path}: {raw_key}"
        if key in ("select", "ignore", "extend-select", "extend-ignore"):
            values[key.replace("-", "_")] = _foreign_codes(value, where)
        elif key in ("exclude", "extend-exclude"):
            # flake8 reads both relative to the file's folder
            values["exclude"] = values.get("exclude", ()) + tuple(
                normalize_pattern(pattern, path.parent) for pattern in _flake8_list(value))
        elif key == "per-file-ignores":
            values["per_file_ignores"] = per_file_ignores(value, where, start)
        elif key == "detach-fix-style":
            values["fix_style"] = parse_fix_style(value, where)
    return Layer(str(path), **values)


def per_file_ignores(value: str, where: str, base: Path) -> Tuple[PerFileEntry, ...]:
    """flake8's ``pattern:codes`` pairs, paths resolved from ``base`` (flake8: the working folder)."""
    from flake8.exceptions import ExecutionError  # type: ignore[import-untyped,unused-ignore]
    from flake8.utils import parse_files_to_codes_mapping  # type: ignore[import-untyped,unused-ignore]

    try:
        mapping: List[Tuple[str, List[str]]] = parse_files_to_codes_mapping(value)
    except ExecutionError as error:
        raise UsageError(f"{where}: {' '.join(str(error).split())}") from None
    return tuple(
        (normalize_pattern(pattern, base), _foreign_codes(",".join(codes), where)) for pattern, codes in mapping
    )


# --- pyproject.toml -----------------------------------------------------------------------------


def _discover_pyproject(start: Path) -> Optional[Layer]:
    """The nearest pyproject.toml with our table; files without it are skipped, as ruff does."""
    for folder in (start, *start.parents):
        path = folder / PYPROJECT
        if path.is_file():
            layer = _read_pyproject(path, required=False)
            if layer is not None:
                return layer
    return None


def _read_pyproject(path: Path, required: bool) -> Optional[Layer]:
    """Our table in ``path``; None when it has none and ``required`` is false."""
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"{path}: cannot read configuration: {error}") from None
    if "flake8-detach" not in text and not required:
        return None  # cannot hold our table: skip without parsing
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{path}: invalid TOML: {error}") from None
    table = document.get("tool", {}).get("flake8-detach")
    if table is None:
        if required:
            raise UsageError(f"{path}: no [{TABLE}] table")
        return None
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [{TABLE}] must be a table")
    return _pyproject_layer(table, path)


def _pyproject_layer(table: Dict[str, Any], path: Path) -> Layer:
    layer = Layer(str(path))
    for raw_key, value in table.items():
        key = raw_key.replace("_", "-")
        reader = _READERS.get(key)
        if reader is None:
            raise UsageError(f"{path}: unknown key {raw_key!r} in [{TABLE}] (known: {', '.join(_READERS)})")
        layer = replace(layer, **{key.replace("-", "_"): reader(value, f"{path}: {raw_key}", path.parent)})
    return layer


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
    patterns = [value] if isinstance(value, str) else value
    return tuple(normalize_pattern(pattern, base) for pattern in _strings(patterns, where))


def _pyproject_per_file_ignores(value: Any, where: str, base: Path) -> Tuple[PerFileEntry, ...]:
    """``{"tests/*" = ["DET103"]}``: patterns relative to the pyproject.toml's folder."""
    if not isinstance(value, dict):
        raise UsageError(f"{where}: expected a table of patterns to codes")
    return tuple(
        (normalize_pattern(pattern, base), _codes(codes, f"{where}: {pattern}", base))
        for pattern, codes in value.items()
    )


_READERS: Dict[str, Callable[[Any, str, Path], Any]] = {
    "select": _codes,
    "ignore": _codes,
    "extend-select": _codes,
    "extend-ignore": _codes,
    "per-file-ignores": _pyproject_per_file_ignores,
    "exclude": _exclude,
    "fix-style": _fix_style,
}

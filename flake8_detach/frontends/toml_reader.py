"""Reading TOML: ``tomllib`` (3.11+), else ``tomli`` if installed, else a small reader of our table.

flake8-detach depends on flake8 and libcst only, so on Python 3.9 and 3.10
without ``tomli`` it reads ``[tool.flake8-detach]`` itself.  That reader knows
what the table holds: ``key = value`` lines whose values are strings (basic or
literal, one line), booleans, integers and arrays of those (which may span
lines, with comments and a trailing comma).  Anything else in the table (a
multi-line string, an inline table, a dotted key) is an error that says to
install ``tomli``; the rest of the file is not read.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Optional, Tuple

TABLE = ("tool", "flake8-detach")


class TomlError(ValueError):
    pass


def _library_loader() -> Optional[Callable[[str], Dict[str, Any]]]:
    try:
        import tomllib

        return tomllib.loads
    except ImportError:  # Python < 3.11
        pass
    try:
        import tomli  # type: ignore[import-not-found,unused-ignore]

        loads: Callable[[str], Dict[str, Any]] = tomli.loads
        return loads
    except ImportError:
        return None


def read_table(text: str) -> Optional[Dict[str, Any]]:
    """The ``[tool.flake8-detach]`` table of a TOML document, or None when it has none."""
    loads = _library_loader()
    if loads is None:
        return read_table_minimal(text)
    try:
        document = loads(text)
    except ValueError as error:  # tomllib.TOMLDecodeError is a ValueError
        raise TomlError(str(error)) from None
    table = document.get(TABLE[0], {}).get(TABLE[1])
    if table is not None and not isinstance(table, dict):
        raise TomlError(f"{'.'.join(TABLE)} must be a table")
    return table


_HEADER = re.compile(r"^[ \t]*\[(?!\[)(?P<name>[^\]\n]*)\][ \t]*(?:#[^\n]*)?$", re.MULTILINE)
_KEY = re.compile(r"[A-Za-z0-9_-]+|\"[^\"\n]*\"|'[^'\n]*'")
_INTEGER = re.compile(r"[+-]?[0-9][0-9_]*")
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


def _table_name(header: str) -> Tuple[str, ...]:
    parts = re.findall(r"\"[^\"]*\"|'[^']*'|[^.]+", header)
    return tuple(part.strip().strip("\"'") for part in parts)


def read_table_minimal(text: str) -> Optional[Dict[str, Any]]:
    text = text.replace("\r\n", "\n")
    for header in _HEADER.finditer(text):
        if _table_name(header.group("name").strip()) == TABLE:
            return _Parser(text, header.end()).entries()
    return None


class _Parser:
    def __init__(self, text: str, position: int) -> None:
        self.text = text
        self.position = position

    def fail(self, what: str) -> TomlError:
        line = self.text.count("\n", 0, self.position) + 1
        return TomlError(
            f"line {line}: {what} (this Python has no TOML library; "
            "install tomli, or use Python 3.11+, to read any TOML)"
        )

    def peek(self) -> str:
        return self.text[self.position:self.position + 1]

    def skip_blank(self, newlines: bool) -> None:
        while True:
            char = self.peek()
            if char in (" ", "\t") or (newlines and char == "\n"):
                self.position += 1
            elif char == "#":
                end = self.text.find("\n", self.position)
                self.position = len(self.text) if end < 0 else end
            else:
                return

    def entries(self) -> Dict[str, Any]:
        table: Dict[str, Any] = {}
        while True:
            self.skip_blank(newlines=True)
            if self.peek() in ("", "["):
                return table
            key = self.key()
            self.skip_blank(newlines=False)
            if self.peek() != "=":
                raise self.fail(f"expected '=' after {key!r}")
            self.position += 1
            self.skip_blank(newlines=False)
            if key in table:
                raise self.fail(f"{key!r} is set twice")
            table[key] = self.value()
            self.skip_blank(newlines=False)
            if self.peek() not in ("", "\n"):
                raise self.fail(f"unexpected text after the value of {key!r}")

    def key(self) -> str:
        match = _KEY.match(self.text, self.position)
        if match is None:
            raise self.fail("expected a key")
        self.position = match.end()
        if self.peek() == ".":
            raise self.fail("dotted keys are not supported")
        return match.group().strip("\"'")

    def value(self) -> Any:
        char = self.peek()
        if char == "[":
            return self.array()
        if self.text.startswith(('"""', "'''"), self.position):
            raise self.fail("multi-line strings are not supported")
        if char == '"':
            return self.basic_string()
        if char == "'":
            return self.literal_string()
        for word, meaning in (("true", True), ("false", False)):
            if self.text.startswith(word, self.position):
                self.position += len(word)
                return meaning
        match = _INTEGER.match(self.text, self.position)
        if match is None:
            raise self.fail("expected a string, boolean, integer or array")
        self.position = match.end()
        return int(match.group().replace("_", ""))

    def array(self) -> List[Any]:
        self.position += 1
        items: List[Any] = []
        while True:
            self.skip_blank(newlines=True)
            if self.peek() == "]":
                self.position += 1
                return items
            items.append(self.value())
            self.skip_blank(newlines=True)
            if self.peek() == ",":
                self.position += 1
            elif self.peek() != "]":
                raise self.fail("expected ',' or ']' in an array")

    def literal_string(self) -> str:
        end = self.text.find("'", self.position + 1)
        if end < 0 or "\n" in self.text[self.position:end]:
            raise self.fail("unterminated string")
        value = self.text[self.position + 1:end]
        self.position = end + 1
        return value

    def basic_string(self) -> str:
        self.position += 1
        pieces: List[str] = []
        while True:
            char = self.peek()
            if char in ("", "\n"):
                raise self.fail("unterminated string")
            self.position += 1
            if char == '"':
                return "".join(pieces)
            pieces.append(self.escape() if char == "\\" else char)

    def escape(self) -> str:
        char = self.peek()
        self.position += 1
        if char in _ESCAPES:
            return _ESCAPES[char]
        width = {"u": 4, "U": 8}.get(char)
        digits = self.text[self.position:self.position + width] if width else ""
        if not width or not re.fullmatch(r"[0-9A-Fa-f]+", digits) or len(digits) != width:
            raise self.fail(f"invalid escape '\\{char}'")
        self.position += width
        return chr(int(digits, 16))

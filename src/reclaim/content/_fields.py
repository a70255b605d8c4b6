"""Small readers for TOML tables that name the file and the field in every error."""

import datetime
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reclaim.errors import ReclaimError


class ContentError(ReclaimError):
    """A content file breaks a rule of docs/content.md; the message names the file and rule."""


class Table:
    """A TOML table read field by field, refusing keys nobody reads."""

    @classmethod
    def read(cls, path: Path, missing: str = "missing") -> "Table":
        """Return the file's top table; raise ContentError if it is absent or not TOML."""
        try:
            with path.open("rb") as file:
                return cls(tomllib.load(file), path)
        except FileNotFoundError:
            raise ContentError(f"{path}: {missing}") from None
        except tomllib.TOMLDecodeError as error:
            raise ContentError(f"{path}: not valid TOML: {error}") from None

    def __init__(self, data: Mapping[str, Any], path: Path, where: str = "") -> None:
        self._data = data
        self._path = path
        self._where = where
        self._read: set[str] = set()

    def error(self, message: str) -> ContentError:
        """Return a ContentError that names the file and the place in it."""
        place = f" ({self._where})" if self._where else ""
        return ContentError(f"{self._path}{place}: {message}")

    def _get(self, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        self._read.add(key)
        if key not in self._data:
            if default is ...:
                raise self.error(f"'{key}' is missing")
            return default
        value = self._data[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise self.error(f"'{key}' has the wrong type ({type(value).__name__})")
        return value

    def text(self, key: str, default: str | None = None) -> str:
        """Return a non-empty string field, trimmed."""
        value = self._get(key, str, ... if default is None else default)
        if default is None and not value.strip():
            raise self.error(f"'{key}' is empty")
        return str(value).strip()

    def optional_text(self, key: str) -> str | None:
        """Return a string field, or None when it is absent."""
        value = self._get(key, str, None)
        return value.strip() if isinstance(value, str) else None

    def flag(self, key: str, default: bool = False) -> bool:
        """Return a boolean field."""
        return bool(self._get(key, bool, default))

    def date(self, key: str) -> datetime.date:
        """Return a TOML date field (a date, not a date and time)."""
        value = self._get(key, datetime.date)
        if isinstance(value, datetime.datetime):
            raise self.error(f"'{key}' must be a date without a time")
        return value  # type: ignore[no-any-return]  # checked by _get

    def strings(self, key: str, allow_empty: bool = False) -> tuple[str, ...]:
        """Return a list of non-empty strings (non-empty itself unless ``allow_empty``)."""
        value = self._get(key, list)
        if not (value or allow_empty) or not all(
            isinstance(item, str) and item.strip() for item in value
        ):
            raise self.error(f"'{key}' must be a non-empty list of non-empty strings")
        return tuple(item.strip() for item in value)

    def tables(self, key: str, required: bool = True) -> list["Table"]:
        """Return a list of sub-tables (an array of tables)."""
        value = self._get(key, list, ... if required else [])
        if required and not value:
            raise self.error(f"'{key}' needs at least one entry")
        if not all(isinstance(item, dict) for item in value):
            raise self.error(f"'{key}' must be an array of tables")
        prefix = f"{self._where} " if self._where else ""
        return [
            Table(item, self._path, f"{prefix}{key}[{index + 1}]")
            for index, item in enumerate(value)
        ]

    def has(self, key: str) -> bool:
        """Return whether the table holds ``key``."""
        return key in self._data

    def slug(self, key: str) -> str:
        """Return a lower-case identifier such as ``us-take-it-down``."""
        value = self.text(key)
        if not value.replace("-", "").isalnum() or value != value.lower():
            raise self.error(f"'{key}' must be lower-case letters, digits and hyphens")
        return value

    def choice(self, key: str, allowed: tuple[str, ...]) -> str:
        """Return a string field that must be one of ``allowed``."""
        value = self.text(key)
        if value not in allowed:
            raise self.error(f"'{key}' must be one of {', '.join(allowed)}, not {value!r}")
        return value

    def optional_integer(self, key: str) -> int | None:
        """Return a positive integer field, or None when it is absent."""
        value = self._get(key, int, None)
        if value is not None and value <= 0:
            raise self.error(f"'{key}' must be a positive whole number")
        return value  # type: ignore[no-any-return]  # checked by _get

    def optional_date(self, key: str) -> datetime.date | None:
        """Return a TOML date field, or None when it is absent."""
        return self.date(key) if key in self._data else None

    def table(self, key: str) -> "Table | None":
        """Return a sub-table, or None when it is absent."""
        value = self._get(key, dict, None)
        return None if value is None else Table(value, self._path, key)

    def done(self) -> None:
        """Raise if the table holds a key that no reader asked for (a typo, usually)."""
        unknown = sorted(set(self._data) - self._read)
        if unknown:
            raise self.error(f"unknown key(s): {', '.join(unknown)}")

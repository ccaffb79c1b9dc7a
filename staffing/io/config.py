"""Read and validate a YAML site config; errors name the file and the dotted key."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import BaseModel, ValidationError

from staffing.config import Config
from staffing.errors import ConfigError


def _allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model section that holds the key at ``loc`` (for suggestions)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return []
        annotation = fields[part].annotation
        args = getattr(annotation, "__args__", ())
        candidates = [annotation, *args]
        current = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
        if current is None:
            return []
    fields = getattr(current, "model_fields", None)
    return list(fields) if fields else []


def config_error(exc: ValidationError, file: str) -> ConfigError:
    """The first validation error as a :class:`ConfigError` naming file and key."""
    err = exc.errors()[0]
    loc = tuple(err["loc"])
    key = ".".join(str(p) for p in loc) or None
    if err["type"] == "extra_forbidden":
        allowed = _allowed_keys(Config, loc)
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else (f"; allowed: {', '.join(allowed)}" if allowed else "")
        return ConfigError(f"unknown key{hint}", file=file, key=key)
    if err["type"] == "missing":
        return ConfigError("required key is missing", file=file, key=key)
    got = err.get("input")
    shown = "" if isinstance(got, dict) else f" (got {got!r})"
    return ConfigError(f"{err['msg']}{shown}", file=file, key=key)


class _DuplicateKey(Exception):
    """A key given twice in one YAML mapping (line numbers are 1-based)."""

    def __init__(self, key: object, line: int, first_line: int) -> None:
        super().__init__(key, line, first_line)
        self.key, self.line, self.first_line = key, line, first_line


class UniqueKeyLoader(yaml.SafeLoader):
    """A :class:`yaml.SafeLoader` that refuses a key repeated in one mapping.

    Plain PyYAML keeps the last value silently, so a config edited by appending
    ``shrinkage: 0.3`` below an old ``shrinkage: 0.1`` would run with a value nobody
    chose on purpose. Merge keys (``<<: *defaults``) are not duplicates: overriding a
    merged default is what they are for.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.setdefault(key, key_node.start_mark.line + 1)
                except TypeError:
                    continue  # unhashable: the base class reports it
                if first != key_node.start_mark.line + 1:
                    raise _DuplicateKey(key, key_node.start_mark.line + 1, first)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: str | Path) -> Any:
    """Parse a YAML file; a missing file, bad YAML or a key repeated in one mapping is a
    :class:`ConfigError` naming the file (and the line and key of a repeat)."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot be read: {getattr(exc, 'strerror', None) or exc}", file=file) from None
    try:
        return yaml.load(text, Loader=UniqueKeyLoader)  # a SafeLoader subclass: no arbitrary objects
    except _DuplicateKey as dup:
        raise ConfigError(f"line {dup.line}: key {dup.key!r} is given twice (first on line {dup.first_line}); "
                          "keep one", file=file) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", file=file) from None


def parse_config(data: Any, file: str, base: Path) -> Config:
    """Validate a loaded YAML mapping; relative paths are resolved against ``base``."""
    if not isinstance(data, dict):
        raise ConfigError("expected a mapping of sections (site, history, queues, ...)", file=file)
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise config_error(exc, file) from None
    return config.with_base(base)


def load_config(path: str | Path) -> Config:
    """Read the YAML config at ``path``.

    Raises
    ------
    ConfigError
        The file is missing, is not YAML, or a key is unknown, missing or out of range
        (the message names the file and the dotted key, e.g. ``queues.0.targets.target_sl``).
    """
    return parse_config(read_yaml(path), str(path), Path(path).resolve().parent)


def read_config_history(config: Config, path: Path | None = None) -> pd.DataFrame:
    """The config's history file (or ``path`` in its format) as the canonical table,
    summed up to the planning interval when the export is finer."""
    from staffing.ingest.history import resample_history
    from staffing.io.history import read_history
    from staffing.tables import infer_interval_minutes

    frame = read_history(
        path or config.history.path,
        column_map=config.history.columns,
        queue=config.history.queue,
        timezone=config.site.timezone,
    )
    if len(frame) > 1 and infer_interval_minutes(frame["interval_start"]) < config.interval_minutes:
        frame = resample_history(frame, config.interval_minutes)
    return frame

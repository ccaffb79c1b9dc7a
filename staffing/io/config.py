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


def read_yaml(path: str | Path) -> Any:
    """Parse a YAML file; a missing file or bad YAML is a :class:`ConfigError` naming the file."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot be read: {exc.strerror or exc}", file=file) from None
    try:
        return yaml.safe_load(text)
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

"""Reading the files users write (plans, scenarios, policies): every problem is one line that names
the file, the place and the problem, and nothing runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from actions.errors import UserInputError

ModelT = TypeVar("ModelT", bound=BaseModel)


def read_user_text(path: Path, what: str, error: type[UserInputError] = UserInputError) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise error(f"{path}: cannot read the {what} ({' '.join(why.split())})") from None


def load_yaml_mapping(path: str | Path, what: str, expected: str, *, empty_ok: bool = False) -> dict[str, Any]:
    """The YAML mapping in ``path``; ``expected`` says what a mapping should hold, for the error."""
    import yaml

    path = Path(path)
    text = read_user_text(path, what)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}: " if mark else ""
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())  # one line, always
        raise UserInputError(f"{path}: {where}invalid YAML ({problem})") from None
    if data is None and empty_ok:
        return {}
    if not isinstance(data, dict):
        raise UserInputError(f"{path}: expected a mapping {expected}, got {type(data).__name__}")
    return data


def validate_user_model(model: type[ModelT], data: Any, path: str | Path) -> ModelT:
    from actions.models import first_error

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise UserInputError(" ".join(f"{path}: {first_error(exc)}".split())) from None

"""A small EventBridge pattern matcher, enough for the patterns tap writes.

Implements what AWS documents: every key of the pattern must be in the event; a list of
values matches if any one does (OR); ``{"wildcard": "..."}`` matches a string where ``*``
stands for any run of characters (including ``/``); ``{"prefix": ...}`` and
``{"suffix": ...}`` match the ends. Anything else is rejected loudly, not guessed.
"""

from __future__ import annotations

import re
from typing import Any


def _value_matches(condition: Any, value: Any) -> bool:
    if not isinstance(condition, dict):
        return bool(condition == value)
    if not isinstance(value, str):
        return False
    if set(condition) == {"wildcard"}:
        regex = ".*".join(re.escape(part) for part in str(condition["wildcard"]).split("*"))
        return re.fullmatch(regex, value, flags=re.DOTALL) is not None
    if set(condition) == {"prefix"}:
        return value.startswith(str(condition["prefix"]))
    if set(condition) == {"suffix"}:
        return value.endswith(str(condition["suffix"]))
    raise NotImplementedError(f"pattern operator {condition!r} is not supported by this matcher")


def matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    """Whether EventBridge would deliver ``event`` to a rule with ``pattern``."""
    for key, condition in pattern.items():
        if key not in event:
            return False
        value = event[key]
        if isinstance(condition, dict):
            if not isinstance(value, dict) or not matches(condition, value):
                return False
        elif not any(_value_matches(option, value) for option in condition):
            return False
    return True

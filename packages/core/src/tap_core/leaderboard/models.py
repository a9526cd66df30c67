"""The leaderboard's input models: a score submission and a board's specification.

Both are pydantic v2 models. A `ScoreSubmission` parses straight from the raw SQS body
bytes with ``ScoreSubmission.model_validate_json(body)``: any input yields a submission or a
``pydantic.ValidationError`` that names the field and what is allowed, never another exception.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Annotated, Any, Final, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    field_validator,
    model_validator,
)

from tap_core.errors import show

INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
METADATA_MAX_BYTES: Final = 2048
ACHIEVED_AT_MIN: Final = datetime(1970, 1, 1, tzinfo=UTC)
# The last instant of 9999-12-30: one day of headroom below datetime.max keeps every period
# computation (a day's end, a week's start) inside the datetime range.
ACHIEVED_AT_MAX: Final = datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC)

Int64 = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]
SUBMISSION_ID_ALLOWED: Final = "1-64 of A-Z a-z 0-9 _ -"
LEADERBOARD_ID_ALLOWED: Final = "1-64 of a-z 0-9 _ -"
PLAYER_ID_ALLOWED: Final = "1-128 of A-Z a-z 0-9 _ . : -"


class IdRule:
    """One kind of id: its pattern, matched in full, and the allowed set in words.

    `check` is the one check (the models' validators and the reads' checks both call it):
    pydantic's own message would show the regex; people read the allowed set in words.
    """

    def __init__(self, what: str, pattern: str, allowed: str) -> None:
        self.what, self.pattern, self.allowed = what, pattern, allowed
        self._compiled = re.compile(pattern)

    def check(self, value: object) -> str:
        """``value`` when it is such an id; else ValueError showing it and the allowed set."""
        if not isinstance(value, str) or self._compiled.fullmatch(value) is None:
            raise ValueError(f"{self.what} {show(value)} is not allowed: use {self.allowed}")
        return value

    @property
    def validator(self) -> AfterValidator:
        return AfterValidator(self.check)


SUBMISSION_ID: Final = IdRule("submission id", r"[A-Za-z0-9_-]{1,64}", SUBMISSION_ID_ALLOWED)
LEADERBOARD_ID: Final = IdRule("leaderboard id", r"[a-z0-9_-]{1,64}", LEADERBOARD_ID_ALLOWED)
PLAYER_ID: Final = IdRule("player id", r"[A-Za-z0-9_.:-]{1,128}", PLAYER_ID_ALLOWED)
SubmissionId = Annotated[str, SUBMISSION_ID.validator]
LeaderboardId = Annotated[str, LEADERBOARD_ID.validator]
PlayerId = Annotated[str, PLAYER_ID.validator]
Metadata = dict[str, JsonValue]

Order = Literal["desc", "asc"]
Operator = Literal["best", "latest", "increment"]
Reset = Literal["never", "daily", "weekly", "monthly"]

# An ISO-8601 date and time (``T`` or a space between them). pydantic alone would also take a
# bare date or a Unix timestamp in a string, which a score's ``achieved_at`` must not be.
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def compact_json(value: object) -> str:
    """``value`` as compact JSON text (no spaces, UTF-8 characters kept, no NaN or Infinity)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class ScoreSubmission(BaseModel):
    """One score a game server submits for a player on a leaderboard."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid", hide_input_in_errors=False)

    submission_id: SubmissionId = Field(
        description=f"Unique per submission; re-sending it is harmless ({SUBMISSION_ID_ALLOWED})."
    )
    leaderboard_id: LeaderboardId = Field(description=f"The board ({LEADERBOARD_ID_ALLOWED}).")
    player_id: PlayerId = Field(description=f"The player ({PLAYER_ID_ALLOWED}).")
    score: Int64 = Field(description="A JSON integer within int64.")
    achieved_at: datetime = Field(
        strict=False,  # strings are parsed; the validator below admits ISO-8601 text only
        description="ISO-8601 date and time; naive means UTC; 1970-01-01 to 9999-12-30 UTC.",
    )
    metadata: Metadata | None = Field(
        default=None, description="A JSON object of at most 2,048 bytes as compact UTF-8 JSON."
    )

    @field_validator("achieved_at", mode="before")
    @classmethod
    def _iso_text_only(cls, value: Any) -> Any:
        if isinstance(value, datetime):
            return value
        if not isinstance(value, str) or not _ISO_DATETIME.match(value):
            raise ValueError(
                "achieved_at must be an ISO-8601 date and time such as "
                "'2026-11-24T10:00:00Z', not a bare date or a number"
            )
        return value

    @field_validator("achieved_at")
    @classmethod
    def _utc_in_range(cls, value: datetime) -> datetime:
        try:
            moment = as_utc(value)
        except OverflowError:
            moment = None  # an offset that pushes year 1 or 9999 out of the datetime range
        if moment is None or not ACHIEVED_AT_MIN <= moment <= ACHIEVED_AT_MAX:
            raise ValueError(
                f"achieved_at {value.isoformat()} is outside 1970-01-01 to 9999-12-30 (UTC)"
            )
        return moment

    @field_validator("metadata")
    @classmethod
    def _metadata_small_json(cls, value: Metadata | None) -> Metadata | None:
        if value is None:
            return None
        try:
            text = compact_json(value)
        except ValueError as error:  # NaN or Infinity: not JSON, and not storable
            raise ValueError("metadata must hold only finite numbers (no NaN or Infinity)") from (
                error
            )
        try:
            size = len(text.encode("utf-8"))
        except UnicodeEncodeError as error:  # a lone surrogate escaped as \udXXX
            raise ValueError("metadata must be valid Unicode (no lone surrogates)") from error
        if size > METADATA_MAX_BYTES:
            raise ValueError(
                f"metadata is {size} bytes as compact JSON; at most {METADATA_MAX_BYTES} allowed"
            )
        return value


class LeaderboardSpec(BaseModel):
    """How one board ranks, combines and resets its scores."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: LeaderboardId
    order: Order = Field(default="desc", description="desc: higher is better; asc: lower is.")
    operator: Operator = Field(
        default="best",
        description="best: keep the better submission; latest: keep the most recent; "
        "increment: add every submission to a running total.",
    )
    reset: Reset = Field(default="never", description="Period of the board's pages, in UTC.")
    min_score: Int64 | None = Field(default=None, description="Lowest score a submission may have.")
    max_score: Int64 | None = Field(
        default=None, description="Highest score a submission may have."
    )

    @model_validator(mode="after")
    def _bounds_ordered(self) -> Self:
        if (
            self.min_score is not None
            and self.max_score is not None
            and self.min_score > self.max_score
        ):
            raise ValueError(
                f"min_score ({self.min_score}) must not exceed max_score ({self.max_score})"
            )
        return self

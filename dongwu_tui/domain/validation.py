"""Validation at the boundary: pydantic models for everything a person types, with Chinese messages.

The services accept these models only, so no unchecked value reaches the database. Each rejection
names the field in Chinese and says what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from dongwu_tui.domain import identifiers
from dongwu_tui.domain.errors import ValidationFailed
from dongwu_tui.domain.labels import FIELD_LABELS, RECORD_FIELD_LABELS
from dongwu_tui.domain.models import CallDirection, CallOutcome, IdKind
from dongwu_tui.domain.roles import Role, SiteKind
from dongwu_tui.domain.safetext import unsafe_characters, unsafe_message


def _wrap(check: Any) -> Any:
    def run(value: Any) -> Any:
        if value is None:
            return None
        try:
            return check(value)
        except identifiers.InvalidIdentifier as error:
            raise ValueError(str(error)) from None

    return AfterValidator(run)


Phone = Annotated[str, _wrap(identifiers.normalize_phone)]
CreditCode = Annotated[str, _wrap(identifiers.validate_credit_code)]


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


# Free-text fields that may hold several lines; every other text field is one line.
MULTILINE_FIELDS = frozenset({"notes", "summary", "resolution", "reason"})


class _Input(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid", frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _printable(cls, value: Any, info: Any) -> Any:
        # Control, bidi-override and zero-width characters act on the terminal that later shows the
        # text (see domain.safetext); no field of any write may hold them.
        if isinstance(value, str):
            found = unsafe_characters(value, multiline=info.field_name in MULTILINE_FIELDS)
            if found:
                raise PydanticCustomError("unsafe_text", "unsafe characters", {"chars": found})
        return value


class StaffInput(_Input):
    name: str = Field(min_length=2, max_length=20)
    role: Role
    office_id: str = Field(min_length=1)
    phone: Phone | None = None


class SiteInput(_Input):
    code: str = Field(min_length=2, max_length=20, pattern=r"^[a-z0-9_-]+$")
    name: str = Field(min_length=2, max_length=40)
    kind: SiteKind
    township_code: str | None = None


class EnterpriseInput(_Input):
    name: str = Field(min_length=2, max_length=60)
    credit_code: CreditCode
    township_code: str | None = None
    industry_code: str | None = None


class TalentInput(_Input):
    name: str = Field(min_length=2, max_length=30)
    phone: Phone
    id_kind: IdKind = IdKind.RESIDENT
    id_number: str | None = Field(default=None, max_length=20)
    category_code: str = Field(min_length=1)
    level_code: str = Field(default="none", min_length=1)
    enterprise_id: str | None = None
    township_code: str | None = None
    specialist_id: str | None = None
    card_no: str | None = Field(default=None, max_length=20, pattern=r"^[A-Za-z0-9-]+$")
    notes: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _check_id_number(self) -> TalentInput:
        if self.id_number:
            check = (
                identifiers.validate_resident_id
                if self.id_kind is IdKind.RESIDENT
                else identifiers.validate_passport
            )
            try:
                object.__setattr__(self, "id_number", check(self.id_number))
            except identifiers.InvalidIdentifier as error:
                raise ValueError(str(error)) from None
        return self


class TalentUpdate(_Input):
    """Fields a person may change on a talent; None means unchanged."""

    name: str | None = Field(default=None, min_length=2, max_length=30)
    phone: Phone | None = None
    id_kind: IdKind | None = None
    id_number: str | None = Field(default=None, max_length=20)
    category_code: str | None = Field(default=None, min_length=1)
    level_code: str | None = Field(default=None, min_length=1)
    enterprise_id: str | None = None
    township_code: str | None = None
    specialist_id: str | None = None
    card_no: str | None = Field(default=None, max_length=20, pattern=r"^[A-Za-z0-9-]+$")
    notes: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _check_id_number(self) -> TalentUpdate:
        # The service passes the talent's current kind along when only the number changes.
        if self.id_number:
            check = (
                identifiers.validate_passport
                if self.id_kind is IdKind.PASSPORT
                else identifiers.validate_resident_id
            )
            try:
                object.__setattr__(self, "id_number", check(self.id_number))
            except identifiers.InvalidIdentifier as error:
                raise ValueError(str(error)) from None
        return self


class CallInput(_Input):
    phone: Phone
    summary: str = Field(min_length=2, max_length=500)
    measure: int | None = Field(default=None, ge=1, le=18)
    outcome: CallOutcome
    direction: CallDirection = CallDirection.IN
    duration_s: int = Field(default=0, ge=0, le=6 * 3600)
    talent_id: str | None = None
    resolution: str = Field(default="", max_length=500)
    confidential: bool = False

    @model_validator(mode="after")
    def _check_outcome(self) -> CallInput:
        if self.outcome in (CallOutcome.ANSWERED, CallOutcome.REQUEST, CallOutcome.ATTACHED) and self.measure is None:
            raise ValueError("当场答复或转工单时必须选择服务举措（1–18）")
        if self.outcome is CallOutcome.ANSWERED and not self.resolution.strip():
            raise ValueError("当场答复时必须填写答复内容")
        return self


# `name` is a person's name (姓名) except on these models (the records they make, domain/labels.py).
MODEL_FIELD_LABELS: dict[str, dict[str, str]] = {
    "EnterpriseInput": RECORD_FIELD_LABELS["enterprise"],
    "SiteInput": RECORD_FIELD_LABELS["site"],
}


def _bounds(model: type[BaseModel] | None, name: str) -> tuple[int | None, int | None]:
    """The smallest and largest whole number a model's field accepts, from its Field(ge=, le=, gt=, lt=)."""
    field = model.model_fields.get(name) if model is not None else None
    low = high = None
    for rule in field.metadata if field is not None else ():
        if getattr(rule, "ge", None) is not None:
            low = rule.ge
        if getattr(rule, "gt", None) is not None:
            low = rule.gt + 1
        if getattr(rule, "le", None) is not None:
            high = rule.le
        if getattr(rule, "lt", None) is not None:
            high = rule.lt - 1
    return low, high


def _range_message(label: str, low: int | None, high: int | None, given: Any) -> str:
    got = f"（收到 {given}）" if isinstance(given, int) else ""
    if low is not None and high is not None:
        return f"{label}应在 {low}–{high} 之间{got}"
    if low is not None:
        return f"{label}不能小于 {low}{got}"
    if high is not None:
        return f"{label}不能大于 {high}{got}"
    return f"{label}超出允许的范围{got}"


def _message(error: Mapping[str, Any], labels: dict[str, str] = FIELD_LABELS,
             model: type[BaseModel] | None = None) -> str:
    location = [str(part) for part in error.get("loc", ()) if not str(part).startswith("function-")]
    label = "、".join(labels.get(part, part) for part in location[:1]) if location else ""
    kind = error.get("type", "")
    ctx = error.get("ctx", {}) or {}
    if kind == "missing":
        return f"缺少必填项：{label}"
    if kind == "string_too_short":
        return (
            f"{label}太短（至少 {ctx.get('min_length')} 个字）" if ctx.get("min_length", 0) > 1 else f"{label}不能为空"
        )
    if kind == "string_too_long":
        return f"{label}太长（最多 {ctx.get('max_length')} 个字）"
    if kind == "string_pattern_mismatch":
        return f"{label}只能包含字母、数字和连字符"
    if kind in ("int_parsing", "int_type"):
        return f"{label}应为整数"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return _range_message(label, *_bounds(model, location[0] if location else ""), error.get("input"))
    if kind == "enum":
        choices = str(ctx.get("expected", "")).replace(" or ", "、").replace(", ", "、")
        return f"{label}不正确，可选值：{choices}"
    if kind == "unsafe_text":
        return unsafe_message(label, list(ctx.get("chars", []))).removesuffix("。")
    if kind == "extra_forbidden":
        return f"不认识的字段：{label}"
    if kind == "value_error":
        text = str(error.get("msg", ""))
        return text.removeprefix("Value error, ")
    return f"{label}不正确：{error.get('msg', '')}"


ModelT = TypeVar("ModelT", bound=BaseModel)


def parse(model: type[ModelT], **values: Any) -> ModelT:
    """Build an input model or raise ValidationFailed listing every problem in Chinese."""
    try:
        return model(**{key: _strip(value) for key, value in values.items()})
    except ValidationError as error:
        labels = FIELD_LABELS | MODEL_FIELD_LABELS.get(model.__name__, {})
        problems = [_message(item, labels, model) for item in error.errors(include_url=False)]
        raise ValidationFailed("；".join(dict.fromkeys(problems)) + "。") from None

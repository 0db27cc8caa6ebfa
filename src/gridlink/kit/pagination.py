"""Cursor pagination: ``?limit=&cursor=`` in, ``{data, next_cursor, has_more}`` out.

Cursors are opaque to clients (base64 of the last id seen). Ids are time-ordered, so "after
this id" is a stable position even while new rows arrive.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Generic, TypeVar, get_args

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from gridlink.errors import InvalidRequest

T = TypeVar("T")

DEFAULT_LIMIT = 25
MAX_LIMIT = 100


def _page_examples(schema: JsonDict, model: type[Any]) -> None:
    """Every ``Page[SomeModel]`` shows an example page built from SomeModel's own example, so
    each paginated endpoint documents its response without repeating the envelope."""
    item_types = get_args(model.model_fields["data"].annotation)
    item = item_types[0] if item_types else None
    if not (isinstance(item, type) and issubclass(item, BaseModel)):
        return  # the unparametrized Page[T]
    item_examples = item.model_json_schema().get("examples") or []
    if item_examples:
        cursor = encode_cursor("usr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S")
        schema["examples"] = [{"data": item_examples[:1], "has_more": True, "next_cursor": cursor}]


class Page(BaseModel, Generic[T]):
    model_config = ConfigDict(json_schema_extra=_page_examples)

    data: list[T]
    has_more: bool = Field(description="True when another page follows.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = base64.urlsafe_b64decode(padded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidRequest(
            "cursor is not one this API issued: pass next_cursor from the previous page unchanged.",
            fields=["cursor"],
        ) from exc
    if not value or "_" not in value or not value.isascii() or not value.isprintable():
        raise InvalidRequest(
            "cursor is not one this API issued: pass next_cursor from the previous page unchanged.",
            fields=["cursor"],
        )
    return value


class PageParams(BaseModel):
    limit: int
    after: str | None


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=200, description="next_cursor from the previous page.")
    ] = None,
) -> PageParams:
    return PageParams(limit=limit, after=decode_cursor(cursor))


def build_page(items: list[T], ids: list[str], limit: int) -> Page[T]:
    """``items`` were fetched with ``limit + 1`` so we can tell whether more follow."""
    has_more = len(items) > limit
    items = items[:limit]
    next_cursor = encode_cursor(ids[len(items) - 1]) if has_more and items else None
    return Page[T](data=items, has_more=has_more, next_cursor=next_cursor)

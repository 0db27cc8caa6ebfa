"""Cursor pagination: ``?limit=&cursor=`` in, ``{data, next_cursor, has_more}`` out.

A cursor is the last id seen, as it is: ids are time-ordered, so "after this id" is a stable
position even while new rows arrive. Clients pass ``next_cursor`` back unchanged; the document
declares the cursor's exact form (``CURSOR_PATTERN``, the shape of every id we mint), and any
string of that form is a position, whether or not such a row exists, so the document and the
API agree on what is valid. (Cursors were base64 of the id until 0.1; such a cursor is refused
once with 422: start the listing again.)
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar, get_args

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from gridlink.errors import InvalidRequest
from gridlink.kit.ids import ID_PATTERN, looks_like_id

T = TypeVar("T")

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
CURSOR_PATTERN = ID_PATTERN
BAD_CURSOR = "cursor is not one this API issued: pass next_cursor from the previous page unchanged."


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
    return last_id


def decode_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    if not looks_like_id(cursor):
        raise InvalidRequest(BAD_CURSOR, fields=["cursor"])
    return cursor


class PageParams(BaseModel):
    limit: int
    after: str | None


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(pattern=CURSOR_PATTERN, description="next_cursor from the previous page."),
    ] = None,
) -> PageParams:
    return PageParams(limit=limit, after=decode_cursor(cursor))


def build_page(items: list[T], ids: list[str], limit: int) -> Page[T]:
    """``items`` were fetched with ``limit + 1`` so we can tell whether more follow."""
    has_more = len(items) > limit
    items = items[:limit]
    next_cursor = encode_cursor(ids[len(items) - 1]) if has_more and items else None
    return Page[T](data=items, has_more=has_more, next_cursor=next_cursor)

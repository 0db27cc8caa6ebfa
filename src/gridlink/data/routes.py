from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import FileResponse, StreamingResponse

from gridlink.auth.dependencies import AppSettings, CurrentClient, Session
from gridlink.data import export, reads, statement_export
from gridlink.data.files import FileStore
from gridlink.data.schemas import (
    DataFilters,
    DirectionName,
    IntervalFormat,
    IntervalsOut,
    Resolution,
    StatementFormat,
    UtilityAccountOut,
    UtilityMeterOut,
    UtilityStatementOut,
)
from gridlink.kit.openapi import error_responses
from gridlink.kit.pagination import Page, PageParams, page_params
from gridlink.kit.query import single_valued_query

router = APIRouter(tags=["Utility data"], dependencies=[Depends(single_valued_query)])

# No NUL characters: no id can hold one, and PostgreSQL refuses them in text.
TEXT = r"^[^\x00]*$"


def _id_query(description: str, example: str) -> Any:
    return Query(
        min_length=1, max_length=40, pattern=TEXT, description=description, examples=[example]
    )


ClientUserId = Annotated[
    str | None,
    Query(min_length=1, max_length=255, pattern=TEXT, description="Only this end user's."),
]
CredentialId = Annotated[
    str | None, _id_query("Only this utility credential's.", "ucr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S")
]
AccountId = Annotated[
    str | None, _id_query("Only this utility account's.", "uac_01JD3Q2V7S9X8Y6Z5W4V3U2T1S")
]
MeterId = Annotated[str | None, _id_query("Only this meter's.", "mtr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S")]
Params = Annotated[PageParams, Depends(page_params)]

UNAVAILABLE = (
    " While the first sync of a credential the filters name has no data yet, answers 503 "
    "`data_unavailable` with `Retry-After`."
)


@router.get(
    "/utility_accounts",
    summary="List utility accounts",
    response_model=Page[UtilityAccountOut],
    responses=error_responses(401, 422),
)
async def list_accounts(
    client: CurrentClient,
    session: Session,
    params: Params,
    client_user_id: ClientUserId = None,
    utility_credential_id: CredentialId = None,
) -> Page[UtilityAccountOut]:
    """Oldest first; filters combine. Accounts are known as soon as the credential is
    verified (`utility_accounts_discovered`), so this never answers `data_unavailable`."""
    filters = DataFilters(
        client_user_id=client_user_id, utility_credential_id=utility_credential_id
    )
    return await reads.list_accounts(session, client, filters, params)


@router.get(
    "/utility_meters",
    summary="List meters",
    response_model=Page[UtilityMeterOut],
    responses=error_responses(401, 422, 503),
    description="Oldest first; filters combine." + UNAVAILABLE,
)
async def list_meters(
    client: CurrentClient,
    session: Session,
    params: Params,
    client_user_id: ClientUserId = None,
    utility_credential_id: CredentialId = None,
    utility_account_id: AccountId = None,
) -> Page[UtilityMeterOut]:
    filters = DataFilters(
        client_user_id=client_user_id,
        utility_credential_id=utility_credential_id,
        utility_account_id=utility_account_id,
    )
    return await reads.list_meters(session, client, filters, params)


_STATEMENTS_CSV_EXAMPLE = (
    ",".join(statement_export.COLUMNS)
    + "\nstm_01JD3Q2V7S9X8Y6Z5W4V3U2T1S,3f2c8e0a-5b1d-4c8e-9a47-2d6f1b0c9e11,"
    "ucr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S,uac_01JD3Q2V7S9X8Y6Z5W4V3U2T1S,4410-2231-09,"
    '"2210 Birch Avenue, Springfield, CA 94105",mtr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S,1010054388,'
    "4017762215,electric,2026-09-14,2026-10-14,2026-10-16,2026-11-06,USD,52.10,52.10,46.03,"
    "46.03,46.03,142,kWh,142,kWh,,,Peak=41 kWh; Off-peak=101 kWh,25.77,18.60,1.66,0,0,0,true\n"
)


@router.get(
    "/utility_statements",
    summary="List statements (bills)",
    response_model=Page[UtilityStatementOut],
    responses={
        200: {
            "description": "A page of statements as JSON, or as CSV (`format=csv`): one line "
            "per bill with its account and meter; while more follow, a `Link` header "
            '(`rel="next"`) names the next page.',
            "content": {
                "text/csv": {"schema": {"type": "string"}, "example": _STATEMENTS_CSV_EXAMPLE}
            },
        },
        **error_responses(401, 422, 503),
    },
    description="Oldest first; filters combine. Amounts are exact decimal strings, each null "
    "when the utility does not give it; the line items add up to `new_charges`. Bills with "
    "overlapping periods are all listed, as the utility issued them." + UNAVAILABLE,
)
async def list_statements(
    request: Request,
    client: CurrentClient,
    session: Session,
    params: Params,
    client_user_id: ClientUserId = None,
    utility_credential_id: CredentialId = None,
    utility_account_id: AccountId = None,
    meter_id: MeterId = None,
    format: Annotated[
        StatementFormat,
        Query(description="json, or csv (the same page, one line per bill, a header row)."),
    ] = "json",
) -> Page[UtilityStatementOut] | Response:
    filters = DataFilters(
        client_user_id=client_user_id,
        utility_credential_id=utility_credential_id,
        utility_account_id=utility_account_id,
        meter_id=meter_id,
    )
    if format == "json":
        return await reads.list_statements(session, client, filters, params)
    sheet, page = await reads.statement_sheet(session, client, filters, params)
    headers = {"Content-Disposition": 'attachment; filename="utility_statements.csv"'}
    if page.next_cursor is not None:
        following = request.url.include_query_params(cursor=page.next_cursor)
        headers["Link"] = f'<{following.path}?{following.query}>; rel="next"'
    return Response(
        statement_export.to_csv(sheet), media_type="text/csv; charset=utf-8", headers=headers
    )


StatementIdPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=40,
        description="The statement's id.",
        examples=["stm_01JD3Q2V7S9X8Y6Z5W4V3U2T1S"],
    ),
]


@router.get(
    "/utility_statements/{statement_id}",
    summary="Get a statement",
    response_model=UtilityStatementOut,
    responses=error_responses(401, 404, 422),
)
async def get_statement(
    client: CurrentClient, session: Session, statement_id: StatementIdPath
) -> UtilityStatementOut:
    """One bill with its line items; `has_pdf` says whether its PDF can be downloaded."""
    return await reads.get_statement(session, client, statement_id)


@router.get(
    "/utility_statements/{statement_id}/pdf",
    summary="Download a statement's PDF",
    response_class=FileResponse,
    responses={
        200: {
            "description": "The bill as the utility issued it.",
            "content": {
                "application/pdf": {
                    "schema": {"type": "string", "format": "binary"},
                    "example": "%PDF-1.4 ...",
                }
            },
        },
        **error_responses(401, 404, 422),
    },
)
async def statement_pdf(
    client: CurrentClient, session: Session, settings: AppSettings, statement_id: StatementIdPath
) -> FileResponse:
    """Streams the stored file. 404 `pdf_unavailable` when the utility gave no PDF for this
    bill (`has_pdf` is false); 404 `not_found` for an unknown id."""
    files = FileStore(settings.resolved_files_dir())
    path = await reads.statement_pdf(session, client, files, statement_id)
    return FileResponse(path, media_type="application/pdf", filename=f"{statement_id}.pdf")


_CSV_EXAMPLE = (
    "start,end,direction,value,readings,cost,quality\n"
    "2026-03-08T05:00:00Z,2026-03-08T06:00:00Z,delivered,0.812,4,0.2436,actual\n"
)


@router.get(
    "/utility_intervals",
    summary="Get a meter's interval readings",
    response_model=IntervalsOut,
    responses={
        200: {
            "description": "The readings, or their rollup, as JSON or CSV (`format`).",
            "content": {
                "text/csv": {"schema": {"type": "string"}, "example": _CSV_EXAMPLE},
            },
        },
        **error_responses(401, 404, 422, 503),
    },
)
async def list_intervals(
    client: CurrentClient,
    session: Session,
    meter_id: Annotated[
        str,
        Query(
            min_length=1,
            max_length=40,
            pattern=TEXT,
            description="The meter's id.",
            examples=["mtr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S"],
        ),
    ],
    start: Annotated[
        datetime,
        Query(
            description="Readings starting at or after this time (with Z or an offset).",
            examples=["2026-03-08T05:00:00Z"],
        ),
    ],
    end: Annotated[
        datetime,
        Query(
            description="Readings starting before this time (with Z or an offset).",
            examples=["2026-03-09T04:00:00Z"],
        ),
    ],
    resolution: Annotated[
        Resolution,
        Query(
            description="raw readings, or sums per hour, day or month of the meter's local time "
            "(a spring-forward day has 23 hourly buckets, a fall-back day 25)."
        ),
    ] = "raw",
    format: Annotated[
        IntervalFormat, Query(description="json, or csv (streamed, with a header row).")
    ] = "json",
    direction: Annotated[
        DirectionName | None,
        Query(
            description="Only delivered (consumption), received (export) or net (delivered "
            "minus received, where the utility reports only that) readings."
        ),
    ] = None,
) -> Response:
    """Values are in the meter's normalized `unit`, exact to a millionth. At most 400 days per
    request at raw and hour resolution, 3,700 at day and month. 503 `data_unavailable` (with
    `Retry-After`) until the credential's first sync has data."""
    query = reads.IntervalQuery(meter_id, start, end, resolution, direction)
    series = await reads.interval_series(session, client, query)
    if format == "csv":
        return StreamingResponse(
            export.to_csv(series),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{series.meter_id}.csv"'},
        )
    return Response(export.to_json(series), media_type="application/json")

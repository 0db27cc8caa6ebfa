"""Green Button uploads over HTTP: ``POST /v1/utility_credentials/files`` (an app's backend)
and ``POST /connect/api/files`` (Connect). Each route runs its own short transactions rather
than the request's (uploads/flows.py), so the body streams and parses with none open."""

from __future__ import annotations

from fastapi import APIRouter, Request, Security
from fastapi.responses import JSONResponse

from gridlink.auth.dependencies import connect_session_scheme
from gridlink.config import Settings
from gridlink.connect.widget_routes import session_bearer
from gridlink.kit.openapi import error_responses
from gridlink.uploads import flows
from gridlink.uploads.reading import FILE_FIELD, Upload, read_upload
from gridlink.uploads.schemas import FileUploadOut, WidgetFileOut
from gridlink.uploads.utilities import UNNAMED_UTILITY

router = APIRouter(tags=["Utility credentials"])  # under /v1
widget_router = APIRouter(prefix="/connect/api", tags=["Connect widget"])

_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["client_user_id", FILE_FIELD],
                    "properties": {
                        "client_user_id": {
                            "type": "string",
                            "maxLength": 255,
                            "description": "Your id for the end user whose file this is.",
                        },
                        "utility_id": {
                            "type": "string",
                            "maxLength": 100,
                            "description": "The utility the file comes from (GET "
                            "/v1/utilities): names the data and gives its time zone. Without "
                            f"it the credential's utility is `{UNNAMED_UTILITY}`.",
                        },
                        "utility_credential_id": {
                            "type": "string",
                            "maxLength": 40,
                            "description": "Add the file to this file credential; by default "
                            "it goes to the end user's file credential at the utility, made by "
                            "the first file.",
                        },
                        FILE_FIELD: {
                            "type": "string",
                            "format": "binary",
                            "description": "Green Button XML (ESPI), a utility's CSV download "
                            "or a zip of them; at most GRIDLINK_MAX_UPLOAD_BYTES (64 MiB).",
                        },
                    },
                },
                "examples": {
                    "csv": {
                        "summary": "A utility's CSV download for one end user",
                        "value": {
                            "client_user_id": "3f2c8e0a-5b1d-4c8e-9a47-2d6f1b0c9e11",
                            "utility_id": "sandbox_electric",
                            FILE_FIELD: "TYPE,DATE,START TIME,END TIME,USAGE,UNITS,COST\n"
                            "Electric usage,2024-05-01,00:00,00:59,0.25,kWh,$0.05\n",
                        },
                    }
                },
            }
        },
    }
}


_WIDGET_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": [FILE_FIELD],
                    "properties": {FILE_FIELD: {"type": "string", "format": "binary"}},
                },
                "examples": {
                    "xml": {
                        "summary": "A Green Button XML download",
                        "value": {FILE_FIELD: '<feed xmlns="http://www.w3.org/2005/Atom"/>'},
                    }
                },
            }
        },
    }
}


def _reader(request: Request, settings: Settings) -> flows.ReadBody:
    async def read(fields: tuple[str, ...]) -> Upload:
        return await read_upload(request, fields, settings.max_upload_bytes)

    return read


@router.post(
    "/utility_credentials/files",
    summary="Upload a Green Button file",
    status_code=201,
    response_model=FileUploadOut,
    responses={
        200: {"description": "Merged into an existing file credential", "model": FileUploadOut},
        **error_responses(401, 404, 409, 413, 422),
    },
    openapi_extra=_FORM,
)
async def upload_file(request: Request) -> JSONResponse:
    """Stores the file's meters, readings and bills under a file credential (method `file`),
    verified at once, with the same events and webhooks as a sync: 201 when the file made the
    credential, 200 when it merged into the end user's file credential at this utility (readings
    and bills already stored are not stored twice). `Idempotency-Key` is not needed: sending
    the same file again changes nothing. 422 `invalid_file` names what could not be read."""
    settings: Settings = request.app.state.settings
    out, client = await flows.from_backend(
        request.app.state.db,
        request.app.state.clock,
        settings,
        request.headers.get("authorization"),
        _reader(request, settings),
    )
    request.state.client = client
    return JSONResponse(out.model_dump(mode="json"), status_code=201 if out.created else 200)


@widget_router.post(
    "/files",
    summary="Upload a Green Button file",
    response_model=WidgetFileOut,
    dependencies=[Security(connect_session_scheme)],
    responses=error_responses(401, 409, 413, 422),
    openapi_extra=_WIDGET_FORM,
)
async def upload_in_connect(request: Request) -> WidgetFileOut:
    """Stores the file under a file credential and verifies it at once; finish with
    POST /connect/api/attempts/{attempt_id}/complete. 422 `invalid_file` says what could not
    be read (nothing is stored); the end user can pick another file."""
    settings: Settings = request.app.state.settings
    return await flows.from_connect(
        request.app.state.db,
        request.app.state.clock,
        settings,
        session_bearer(request),
        _reader(request, settings),
    )

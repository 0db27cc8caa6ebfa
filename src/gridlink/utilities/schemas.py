from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict
from pydantic.config import JsonDict

Commodity = Literal["electric", "gas", "water"]


_EXAMPLE_UTILITY: JsonDict = {
    "id": "sandbox_electric",
    "name": "Sandbox Power & Light",
    "states": ["CA"],
    "commodities": ["electric"],
    "sandbox": True,
}


class UtilityOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE_UTILITY]})

    id: str
    name: str
    states: list[str]
    commodities: list[Commodity]
    sandbox: bool


class UtilityList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"data": [_EXAMPLE_UTILITY]}]})

    data: list[UtilityOut]

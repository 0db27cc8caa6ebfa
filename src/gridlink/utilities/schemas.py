from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Commodity = Literal["electric", "gas", "water"]


class UtilityOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "sandbox_electric",
                    "name": "Sandbox Power & Light",
                    "states": ["CA"],
                    "commodities": ["electric"],
                    "sandbox": True,
                }
            ]
        }
    )

    id: str
    name: str
    states: list[str]
    commodities: list[Commodity]
    sandbox: bool


class UtilityList(BaseModel):
    data: list[UtilityOut]

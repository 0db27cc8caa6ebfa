"""Who may call a dashboard route: any signed-in operator reads; support acts; admin manages."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query

from gridlink.operators.dependencies import requires
from gridlink.operators.principal import OperatorPrincipal, Role

Viewer = Annotated[OperatorPrincipal, Depends(requires(Role.VIEWER))]
Support = Annotated[OperatorPrincipal, Depends(requires(Role.SUPPORT))]
Admin = Annotated[OperatorPrincipal, Depends(requires(Role.ADMIN))]

Id = Annotated[str, Path(min_length=1, max_length=40)]
ClientFilter = Annotated[str | None, Query(max_length=40)]
After = Annotated[str | None, Query(max_length=100, description="next_cursor of the last page.")]
Limit = Annotated[int, Query(ge=1, le=100)]

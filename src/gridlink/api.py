"""Every HTTP router, wired explicitly."""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter

from gridlink.attempts.routes import router as attempts_router
from gridlink.auth.routes import router as auth_router
from gridlink.connect.assets import router as assets_router
from gridlink.connect.frame_routes import router as frame_router
from gridlink.connect.routes import router as connect_router
from gridlink.connect.widget_routes import router as widget_router
from gridlink.credentials.routes import router as credentials_router
from gridlink.custodians.routes import callback_router as green_button_callback_router
from gridlink.custodians.routes import notification_router as green_button_notify_router
from gridlink.custodians.routes import widget_router as green_button_widget_router
from gridlink.dashboard.action_routes import router as dashboard_actions_router
from gridlink.dashboard.admin_routes import router as dashboard_admin_router
from gridlink.dashboard.page_routes import router as dashboard_page_router
from gridlink.dashboard.routes import router as dashboard_router
from gridlink.data.routes import router as data_router
from gridlink.demo.routes import api as demo_api_router
from gridlink.demo.routes import page_router as demo_page_router
from gridlink.events.routes import router as events_router
from gridlink.health.routes import router as health_router
from gridlink.links.routes import router as links_router
from gridlink.metrics.routes import router as metrics_router
from gridlink.operators.routes import router as operators_router
from gridlink.sandbox.routes import router as sandbox_router
from gridlink.sync.routes import router as sync_router
from gridlink.uploads.routes import router as uploads_router
from gridlink.uploads.routes import widget_router as widget_uploads_router
from gridlink.users.routes import router as users_router
from gridlink.utilities.routes import router as utilities_router
from gridlink.webhooks.routes import router as webhooks_router


@cache
def build_router() -> APIRouter:
    """One tree per process, shared by every app built in it: the routers are module-level and
    stateless, and FastAPI works out each route's parameters and models once per tree (about
    0.1 s), which the test suite, building an app per test, paid over a thousand times."""
    root = APIRouter()
    root.include_router(health_router)
    root.include_router(metrics_router)
    v1 = APIRouter(prefix="/v1")
    for router in (
        auth_router,
        connect_router,
        users_router,
        utilities_router,
        events_router,
        webhooks_router,
        attempts_router,
        uploads_router,
        credentials_router,
        sync_router,
        data_router,
        links_router,
        sandbox_router,
    ):
        v1.include_router(router)
    root.include_router(v1)
    root.include_router(widget_router)
    root.include_router(widget_uploads_router)
    root.include_router(green_button_widget_router)
    root.include_router(green_button_callback_router)
    root.include_router(green_button_notify_router)
    root.include_router(assets_router)
    root.include_router(frame_router)
    root.include_router(demo_page_router)
    root.include_router(demo_api_router)
    root.include_router(operators_router)
    root.include_router(dashboard_router)
    root.include_router(dashboard_actions_router)
    root.include_router(dashboard_admin_router)
    # Last: its /dashboard/{path} takes every page path the routes above did not.
    root.include_router(dashboard_page_router)
    return root

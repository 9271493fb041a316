"""Builds the Litestar app: plugins, providers, error map, routes, and the PWA at /."""

from __future__ import annotations  # noqa: I001 - routes are imported in groups, appended by feature

import asyncio
import gc
import logging
import time
from contextlib import asynccontextmanager
from collections.abc import AsyncIterator

from advanced_alchemy.extensions.litestar import (
    AsyncSessionConfig,
    SQLAlchemyAsyncConfig,
    SQLAlchemyPlugin,
)
from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.types import ControllerRouterHandler

from api import auth, facilities, health, org_units, patrols, subjects, visits
from api import (
    audit_log,
    evidence_rules,
    exports,
    imports,
    map_config,
    reports,
    review_queue,
    tasks,
    users,
)  # supervisor workspace
from api import photos  # photo evidence
from api import desk  # the supervisor's desktop
from api import reviews  # decisions at the desk
from api import inspections, templates, weekly_print, weekly_report  # the station network
from api import admission, metrics, observe  # running it for real
from api import me  # today's route on the phone
from api.deps import provide_db_session, provide_settings, provide_store, provide_user
from api.errors import HANDLERS, DocumentedJson
from api.headers import security_headers
from api.pwa import pwa_router
from api.security import auth_middleware
from api.settings import ConfigurationError, Settings
from storage.db import make_engine, migrate_url
from storage.errors import StoreUnavailable
from storage.object_store import ObjectStore

CONTROLLERS: list[ControllerRouterHandler] = [
    health.get_health,
    auth.AuthController,
    org_units.OrgUnitController,
    facilities.FacilityController,
    subjects.SubjectController,
    photos.PhotoController,
    patrols.PatrolController,
    visits.VisitController,
    tasks.TaskController,
    review_queue.ReviewQueueController,
    reports.ReportController,
    exports.ExportController,
    users.UserController,
    audit_log.AuditLogController,
    imports.ImportController,
    map_config.get_map_config,
    evidence_rules.get_evidence_rules,
    desk.desk_counts,
    reviews.ReviewBatchController,
    templates.TemplateController,
    inspections.InspectionController,
    weekly_report.WeeklyReportController,
    weekly_print.WeeklyPrintController,
    metrics.get_metrics,
    me.MeController,
]


def configuration_problem() -> str | None:
    """What in the configuration would fail requests later (a missing PDF font, an unreadable map
    setting), as a sentence; None when all is well. The start stops on it: never a 503 later."""
    try:
        weekly_print.font_path()
        map_config.map_config()
    except ConfigurationError as exc:
        return str(exc)
    return None


log = logging.getLogger("xunfang")
# A store booted with the API (one machine, one systemd target; a cluster whose drives are still
# coming online) answers within seconds: waited for at start, rather than a failed start.
STORE_START_PATIENCE_S = 60.0


async def store_ready(store: ObjectStore, patience_s: float = STORE_START_PATIENCE_S) -> None:
    """The bucket, once the store answers; StoreUnavailable after `patience_s` without it."""
    deadline = time.monotonic() + patience_s
    while True:
        try:
            await store.ensure_bucket()
            return
        except StoreUnavailable:
            if time.monotonic() > deadline:
                raise
            log.warning("the object store is not answering yet; waiting for it to start")
            await asyncio.sleep(1.0)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    if problem := configuration_problem():
        raise ConfigurationError(problem)
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size, pool_timeout=settings.db_wait_s)
    store = ObjectStore(
        endpoint=settings.minio_endpoint,
        access_key=settings.minio_access_key,
        secret_key=settings.minio_secret_key,
        bucket=settings.minio_bucket,
        secure=settings.minio_secure,
    )
    gates = admission.Gates(
        max_inflight=settings.max_inflight,
        queue_wait_s=settings.queue_wait_s,
        photo_ingests=settings.photo_ingests,
        photo_wait_s=settings.photo_wait_s,
    )
    db = SQLAlchemyAsyncConfig(
        # The plugin keeps the session in the request's scope and closes it; api/deps.py commits it.
        engine_instance=engine,
        session_dependency_key="plugin_db_session",
        session_config=AsyncSessionConfig(expire_on_commit=False),
        create_all=False,
    )

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await migrate_url(settings.migration_url)  # as the owner; the app's role cannot
        await store_ready(store)
        # What start-up built (routes, schemas, mappers) lives as long as the process: out of the
        # collector's sight, so a full collection walks only what requests made, not ~100 ms of
        # start-up objects every few requests.
        gc.collect()
        gc.freeze()
        yield
        await engine.dispose()

    return Litestar(
        route_handlers=[*CONTROLLERS, pwa_router(settings.pwa_dist)],
        plugins=[SQLAlchemyPlugin(config=db)],
        middleware=[observe.request_middleware(lambda: engine), admission.admission_middleware(gates), auth_middleware],
        before_send=[security_headers, observe.tag_response],
        dependencies={
            "db_session": Provide(provide_db_session),
            "user": Provide(provide_user),
            "settings": Provide(provide_settings, sync_to_thread=False),
            "store": Provide(provide_store, sync_to_thread=False),
        },
        exception_handlers={**HANDLERS, **admission.HANDLERS},
        lifespan=[lifespan],
        state=State({"settings": settings, "store": store, "engine": engine, "gates": gates, "db": db}),
        request_max_body_size=settings.max_json_bytes,
        # Level 6, zlib's own default: nearly level 9's size for much less CPU on big lists.
        compression_config=CompressionConfig(
            backend="gzip", minimum_size=1024, gzip_compress_level=6, exclude=["/api/v1/photos"]
        ),
        openapi_config=OpenAPIConfig(
            title="Xunfang API",
            version="1.0.0",
            path="/schema",
            components=Components(security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")}),
            security=[{"bearer": []}],
            # The document only, at /schema and /schema/openapi.json: the bundled viewers (Swagger,
            # ReDoc, Elements, RapiDoc, Scalar) load scripts and fonts from CDNs our CSP refuses,
            # and no page of ours names a third-party host.
            render_plugins=[DocumentedJson(path=["/openapi.json", "/"])],
        ),
        logging_config=None,
    )


def app_from_env() -> Litestar:
    """Entry point for uvicorn --factory."""
    observe.configure_logging()
    return create_app()

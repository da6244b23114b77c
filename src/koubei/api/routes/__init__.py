"""The API's routers, one resource per module; each module defines `router = APIRouter(...)` with its paths.

To add a router, append its module name here (one line). `create_app` includes them in this order.
"""

ROUTER_MODULES: tuple[str, ...] = (
    "health",
    "keys",
    "reviews",
    "products",
    "sentiment",
    "aspects",
    "ingest",
    "jobs",
    "wom",
    "ask",
    "copy",
    "profiles",
)

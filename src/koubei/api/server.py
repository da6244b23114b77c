"""Running the app under uvicorn for `koubei serve`: open the store once, build the app, listen.

Nothing heavy happens before the socket is open (models load on first use), so /health answers within a second or
two of the start. uvicorn's access log is off: it writes query strings (a search text can be personal data);
`koubei.api.security.AccessLog` writes method, path, status and time instead.
"""

from __future__ import annotations

import logging
import sys

from koubei.config import get_settings
from koubei.store import Store


def run_server(host: str = "127.0.0.1", port: int = 8000, database_url: str | None = None) -> None:
    import uvicorn

    from koubei.api.app import create_app

    settings = get_settings()
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    store = Store.open(settings.database_url)
    try:
        app = create_app(settings, store=store)
        shown = f"[{host}]" if ":" in host else host
        sys.stderr.write(
            f"koubei serving {store.url} at http://{shown}:{port}/  (dashboard /, API /api/v1, docs /docs)\n"
        )
        sys.stderr.flush()
        uvicorn.run(app, host=host, port=port, access_log=False, log_level="info", server_header=False)
    finally:
        store.close()

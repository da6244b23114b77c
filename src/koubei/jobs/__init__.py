"""Background jobs on huey: long work (training, batch scoring, index builds, simulations) run by workers while
the API and the dashboard watch it.

- `kinds`: what a job can be (params checked up front, the pipeline call, what a restart does to it);
- `queue`: the huey queue (SQLite file by default, Redis with KOUBEI_REDIS_URL, immediate mode for tests);
- `runner`: running one job (claim, heartbeat, progress, outcome); `progress`: the job's Progress and cancel;
- `recovery`: jobs cut off by a restart are resumed or failed with the reason;
- `worker`: the consumer threads of `koubei serve` and `koubei worker`; `app`: hooking it into the API app.

The records live in the store (`koubei.store.jobs`); the use cases are `koubei.pipelines.jobs`.
"""

"""Processing inbound activities: one module per verb, driven by `worker.InboxWorker`.

Each verb module has `apply(ctx, conn, prepared)` (the effect, inside the worker's write
transaction) and may have `prepare(ctx)` (network work such as fetching an announced
object, done before the transaction so no lock is held during HTTP).
"""

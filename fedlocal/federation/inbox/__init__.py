"""What is done with each inbound activity: one module per verb, driven by
`fedlocal.federation.inbox_worker.InboxWorker` (the queue's machinery).

`verbs.HANDLERS` is the table of what is done with each verb; each entry is a
`verbs.VerbHandler`: `prepare(ctx)` (network work such as fetching an announced object,
done before the transaction so no lock is held during HTTP) and `apply(ctx, conn,
prepared)` (the effect, inside the worker's write transaction). An `Offer` (FEP-0837:
someone is interested in a listing) is handled by `interest.py`.
"""

"""Pictures: decoding and re-encoding uploads (`processing`), their blurhash
(`blurhash`), and where their files live (`files`, served by `serve`).

A library the services use: it imports nothing of the services, the store or the routes.
"""

"""The TLS context of every outgoing connection: the system's trust store.

httpx's default context trusts only certifi's bundled list, so an instance behind a
private certificate authority, or a TLS-inspecting proxy whose root the operator added
to the system store, could not reach anyone. `ssl.create_default_context()` loads
OpenSSL's default verify paths instead: the system store, or the file and directory named
by `SSL_CERT_FILE` and `SSL_CERT_DIR` when they are set (read when the context is built).
Only on a system with no store at all (a bare container) is certifi's list used, so the
server still federates there.
"""

from __future__ import annotations

import os
import ssl

import certifi


def system_store_present() -> bool:
    """Whether OpenSSL's default verify paths name an existing file or directory."""
    paths = ssl.get_default_verify_paths()
    if paths.cafile and os.path.isfile(paths.cafile):
        return True
    return bool(paths.capath and os.path.isdir(paths.capath) and os.listdir(paths.capath))


def outgoing_ssl_context() -> ssl.SSLContext:
    """A verifying client context trusting the system store (and `SSL_CERT_FILE`/
    `SSL_CERT_DIR`), falling back on certifi when the system has no store."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    if not system_store_present():
        context.load_verify_locations(cafile=certifi.where())
    return context

"""The Mastodon client API and OAuth2, so residents use the apps they already have.

Routes call `fedlocal.services` only; `entities.py` turns the services' views into
Mastodon's JSON. See docs/api.md for what is implemented and how it differs.
"""

from .cors import Cors
from .routes import api_routes, start_api, stop_api

__all__ = ["Cors", "api_routes", "start_api", "stop_api"]

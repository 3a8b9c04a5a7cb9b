"""Domain operations. Every way in (web form, Mastodon API, inbox) ends here.

Services call the store and, through the ports in `ports.py`, the federation layer; they
never build HTTP responses and never import `fedlocal.federation` (app.py wires it in).
"""

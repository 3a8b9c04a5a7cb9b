"""Domain operations. Every way in (web form, Mastodon API, inbox) ends here.

Services call the store and, through the ports in `ports.py`, the federation layer; they
never build HTTP responses and never import `fedlocal.federation` (app.py wires it in).
What the web pages, the client API and the federation routes show is read here too, with
the one rule of who may read a post (`visibility.py`).
"""

"""The one boundary every request crosses on its way in.

- `ids` and `paging`: numeric ids and Mastodon-style pagination, parsed the same way by
  the web app, the client API, OAuth, federation and the feeds;
- `bodies`: request bodies read under a cap (streamed, 413) and parsed with bounded depth;
- `problems`: `InputProblem`, what a parser raises for input it refuses;
- `middleware`: `ErrorBoundary`, which gives every request an id, caps its body before
  anything reads it, and turns every exception a route lets escape into an answer in the
  route's own format (an HTML page, Mastodon JSON, OAuth JSON, plain JSON) — never a bare
  500 page.

It sits below the routes (web, api, federation) and knows none of them: app.py tells it
each path's body limit and gives it the web app's error page.
"""

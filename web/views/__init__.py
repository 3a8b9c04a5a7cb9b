"""One module per area of the web app; each view takes a `Page` and returns a response."""

"""Federation: the HTTP edge of ActivityPub (discovery, actors, collections, inboxes) and
the workers that process inbound activities and deliver outbound ones."""

"""fedlocal: a federated ActivityPub server for neighbourhood sharing."""

__version__ = "0.1.0"

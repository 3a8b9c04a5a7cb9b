"""Prometheus `/metrics` (docs/operations.md#monitoring): request latencies by route
template, queue depths, failing delivery hosts and the workers' last steps, in the text
exposition format, shown only to the networks or the bearer token the config names."""

from .latency import RequestLatency, RequestTimes
from .routes import metrics_routes

__all__ = ["RequestLatency", "RequestTimes", "metrics_routes"]

"""Prometheus metrics of the center (prometheus-client), served at GET /metrics.

What an operator watches:
  pos_http_requests_total{method,route,status}       requests by route template (not raw path)
  pos_http_request_duration_seconds{method,route}    latency histogram by route
  pos_events_total{type,outcome}                     pushed events: applied | duplicate | rejected
  pos_feed_lag_changes                               per pull: how far the reader was behind
                                                     (high water - its cursor), a histogram
  pos_feed_high_water                                the newest change sequence (from the database)
  pos_open_conflicts{store}                          rejected events per store (from the database)
  pos_reconciliations{store}                         filled by a store-figure hook (see below)

Several processes: `pos-backend serve --workers N` sets PROMETHEUS_MULTIPROC_DIR before the
workers start, and /metrics then adds up the files every worker writes (prometheus-client's
multiprocess mode), so any worker answers for all. Separate `serve` processes behind a load
balancer are scraped one by one, as Prometheus does with any set of targets; the database
figures are the same from each.

Figures read from the database are collected when /metrics is scraped, at most every
DB_FIGURES_TTL_S per process (a scrape must not become a load of its own at 10,000 stores).
Other modules add per-store figures with `store_figure(name, help, query)`: `query(conn)`
returns {store_id: value}; the reconciliations of issue 12 plug in that way (and are counted
from their table, when it exists, until they do).

Threads: counters are updated on the request threads (prometheus-client is thread-safe); the
collector runs on the thread that serves /metrics.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector
from sqlalchemy import Connection, func, inspect, select

log = logging.getLogger(__name__)

ENV_MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
DB_FIGURES_TTL_S = float(os.environ.get("POS_METRICS_DB_TTL_S", "15"))  # tests set 0
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0)
LAG_BUCKETS = (0, 1, 10, 100, 1_000, 10_000, 100_000, 1_000_000)

REQUESTS = Counter("pos_http_requests", "HTTP requests by route template and status", ["method", "route", "status"])
LATENCY = Histogram("pos_http_request_duration_seconds", "HTTP request latency by route template",
                    ["method", "route"], buckets=LATENCY_BUCKETS)
EVENTS = Counter("pos_events", "Pushed events by type and outcome (applied, duplicate, rejected)",
                 ["type", "outcome"])
FEED_LAG = Histogram("pos_feed_lag_changes", "Changes a device was behind the feed's high water when it pulled",
                     buckets=LAG_BUCKETS)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)


def count_events(types: Sequence[str], outcomes: Sequence[str]) -> None:
    """One push's results: `types[i]` is the i-th event's type, `outcomes[i]` its outcome."""
    for event_type, outcome in zip(types, outcomes):
        EVENTS.labels(event_type, outcome).inc()


def observe_feed_lag(after: int, high_water: int) -> None:
    FEED_LAG.observe(max(high_water - after, 0))


# ---- figures read from the database --------------------------------------------------------


@dataclass(frozen=True)
class StoreFigure:
    name: str
    help: str
    query: Callable[[Connection], dict[str, float]]


_STORE_FIGURES: dict[str, StoreFigure] = {}


def store_figure(name: str, help_text: str, query: Callable[[Connection], dict[str, float]]) -> None:
    """Register (or replace) a per-store gauge computed from the database at scrape time."""
    _STORE_FIGURES[name] = StoreFigure(name, help_text, query)


def _open_conflicts(conn: Connection) -> dict[str, float]:
    from backend.models import Device, ProcessedEvent

    rows = conn.execute(select(Device.store_id, func.count()).select_from(ProcessedEvent)
                        .join(Device, Device.id == ProcessedEvent.device_id)
                        .where(ProcessedEvent.outcome == "rejected").group_by(Device.store_id))
    return {store: float(n) for store, n in rows}


def _reconciliations_from_table(conn: Connection) -> dict[str, float]:
    """Until issue 12's module registers its own figure: rows of a `reconciliations` table
    with a store_id column, when the schema has one; nothing otherwise."""
    inspector = inspect(conn)
    if not inspector.has_table("reconciliations"):
        return {}
    if "store_id" not in {c["name"] for c in inspector.get_columns("reconciliations")}:
        return {}
    rows = conn.exec_driver_sql("SELECT store_id, COUNT(*) FROM reconciliations GROUP BY store_id")
    return {str(store): float(n) for store, n in rows}


store_figure("pos_open_conflicts", "Rejected events per store (business conflicts a manager resolves)",
             _open_conflicts)
store_figure("pos_reconciliations", "Reconciliations per store", _reconciliations_from_table)


class DatabaseFigures(Collector):
    """The feed's high water and the per-store figures, cached for DB_FIGURES_TTL_S."""

    def __init__(self, db: Any) -> None:  # a backend.db.BackendDatabase
        self._db = db
        self._lock = threading.Lock()
        self._cached: list[GaugeMetricFamily] = []
        self._cached_at = float("-inf")

    def collect(self) -> Iterable[GaugeMetricFamily]:
        with self._lock:
            if time.monotonic() - self._cached_at > DB_FIGURES_TTL_S:
                self._cached = self._read()
                self._cached_at = time.monotonic()
            return list(self._cached)

    def _read(self) -> list[GaugeMetricFamily]:
        from backend import changelog

        high = GaugeMetricFamily("pos_feed_high_water", "The newest change sequence of the feed")
        with self._db.reading() as conn:
            high.add_metric([], float(changelog.high_water(conn)))
        families = [high]
        for figure in list(_STORE_FIGURES.values()):
            family = GaugeMetricFamily(figure.name, figure.help, labels=["store"])
            try:
                with self._db.reading() as conn:
                    values = figure.query(conn)
            except Exception:  # noqa: BLE001 - one broken figure must not hide the others
                log.exception("metrics: figure %s failed", figure.name)
                continue
            for store, value in sorted(values.items()):
                family.add_metric([store], value)
            families.append(family)
        return families


def metrics_page(figures: DatabaseFigures) -> tuple[bytes, str]:
    """The /metrics body and content type: this process's metrics (with its process and GC
    figures), or every worker's in multiprocess mode, plus the database figures."""
    if os.environ.get(ENV_MULTIPROC_DIR):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    extra = CollectorRegistry(auto_describe=False)
    extra.register(figures)
    return body + generate_latest(extra), CONTENT_TYPE_LATEST

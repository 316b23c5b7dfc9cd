"""Settings from environment variables prefixed ``LEAD_``, with defaults for local use."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from typing import Any, Mapping


def _parse_bool(raw: str) -> bool:
    if raw.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if raw.strip().lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


@dataclass(frozen=True)
class Settings:
    # One node, or several comma-separated: the client spreads requests over them and retries a
    # request on another node when one cannot be reached.
    es_url: str = "http://127.0.0.1:9200"
    # Every index and alias name derives from this prefix, so each test run gets its own.
    index_prefix: str = "lead"
    # Connect + response timeout of engine requests made for web requests: an unreachable or stuck
    # engine becomes a 503 within about this long instead of holding a worker.
    es_timeout: float = 1.5
    # The same for batch work (ingest, backup and restore, CLI commands, benchmarks).
    es_batch_timeout: float = 300.0
    # A secured cluster (managed or self-hosted with security on): an API key ("id:key" encoded as the
    # cluster gives it) and, for a private certificate authority, its PEM file. Empty: none.
    es_api_key: str = field(default="", repr=False)
    es_ca_certs: str = ""
    # Primary shards and replicas of every index the project creates. "auto" replicas: 1 when the
    # cluster has more than one data node (a copy survives losing a node), else 0.
    shards: int = 1
    replicas: str = "auto"
    # `lead backup` / `lead restore`: the snapshot repository's name and its folder, relative to the
    # nodes' path.repo (or absolute inside it); every node of a cluster must see the same folder.
    snapshot_repository: str = "lead-backups"
    snapshot_location: str = "lead-backups"
    # Capacity not confirmed within this many hours counts as unknown (DMHAS bed board rule).
    capacity_fresh_hours: float = 12.0
    timezone: str = "America/New_York"
    # The statewide 24/7 lines and the 24/7 places that stand in for a need (directory.always_open):
    # empty, the file shipped in directory/data/always_open.json; else an admin's edited copy.
    always_open_file: str = ""
    # geopy geocoder name (e.g. "nominatim"); empty means offline: cache then centroids only.
    geocoder: str = ""
    geocoder_user_agent: str = "lead-directory"
    max_body_bytes: int = 64 * 1024
    max_query_bytes: int = 4000
    # Session cookies only over HTTPS (browsers treat http://127.0.0.1 as secure, so local use works).
    secure_cookies: bool = True
    # Signs session cookies. Required in production (the app refuses to start without it); in development
    # an unset key becomes a random one for the life of the process.
    secret_key: str = field(default="", repr=False)
    # How many proxies in front of the app set X-Forwarded-For and X-Forwarded-Proto (the HTTPS proxy that
    # Secure cookies imply is one): the client's address is then the one the nearest of them saw, and
    # throttles and lock-outs are per client, not per proxy. 0: no proxy; the header is ignored.
    trusted_proxies: int = 0
    # Per client address: sign-in attempts on /login, and API calls with a token that is not valid.
    login_rate_limit: str = "10 per minute;60 per hour"
    bad_token_rate_limit: str = "20 per minute;200 per hour"
    # "production" makes missing secrets fatal; anything else is development.
    env: str = "development"
    # The HSDS 3.0 read API (/hsds/) answers without a token, with CORS for GET, caching and rate limits.
    public_directory: bool = False
    # Flask-Limiter limits for anonymous public reads, per client address ("300 per minute;5000 per hour").
    public_rate_limit: str = "300 per minute"
    # Where rate limits and sign-in throttles are counted: "engine" (the default) in the index <prefix>-counters,
    # shared by every worker and app instance (directory.indices.counters); or a limits storage URI ("redis://...").
    # "memory://" counts per process, so with several workers each allows the whole limit.
    rate_limit_storage: str = "engine"
    # How long browsers and caches may keep a public HSDS response (capacity changes, so keep it short).
    public_cache_seconds: int = 60
    # A map tile URL template ('https://host/{z}/{x}/{y}.png'); empty: maps are drawn as plain SVG.
    map_tile_url: str = ""
    # Referrals (directory.referrals): an accepted referral holds a bed this long unless the person is
    # enrolled first; closed and withdrawn referrals are deleted this many days after they ended.
    referral_hold_hours: float = 24.0
    referral_retention_days: float = 365.0
    # Let each listing's referral acceptance rate over the last 90 days nudge match ranking
    # (matching.weights.REFERRAL_ACCEPTANCE_WEIGHT). Off: outcomes are shown, never ranked on.
    referral_outcomes_in_ranking: bool = False
    # Outgoing webhooks: the first retry after this many seconds, doubling each time, at most
    # webhook_max_attempts attempts, each waiting at most webhook_timeout seconds for an answer.
    webhook_retry_seconds: float = 30.0
    webhook_max_attempts: int = 6
    webhook_timeout: float = 5.0
    # Networks (comma-separated, "10.20.0.0/16,192.168.4.7/32") a webhook receiver may be in although they
    # are not public; empty: public addresses only. The engine's own addresses are never allowed.
    webhook_allowed_networks: str = ""

    # The LEAD programs an officer may divert to (accounts' ``program``), comma-separated.
    lead_programs: str = "hartford,new-haven"
    # A diversion nobody in its program has acknowledged after this many minutes escalates: marked on the
    # supervisor's view, a second notice in the inbox, and a webhook to the program's receiver.
    diversion_escalate_minutes: float = 30.0
    # A consent (to be contacted, to share with a provider) expires this many days after it was given,
    # unless a case manager sets another date; withdrawn on the participant's word at any time.
    consent_days: float = 365.0
    # A signed answer link for a provider without an account works once, for this many hours.
    answer_link_hours: float = 72.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> "Settings":
        """Read ``LEAD_<FIELD>`` variables, converting to each field's type."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"LEAD_{f.name.upper()}")
            if raw is None:
                continue
            kind = type(getattr(cls, f.name, f.default)) if f.default is not None else str
            try:
                values[f.name] = _parse_bool(raw) if kind is bool else kind(raw)
            except ValueError as exc:
                raise ValueError(f"LEAD_{f.name.upper()}={raw!r} is not a valid {kind.__name__}") from exc
        values.update(overrides)
        return cls(**values)

    def __post_init__(self) -> None:
        if self.replicas != "auto" and not (self.replicas.isdigit()):
            raise ValueError(f"LEAD_REPLICAS={self.replicas!r} must be a whole number or 'auto'")
        if self.shards < 1:
            raise ValueError(f"LEAD_SHARDS={self.shards} must be at least 1")
        if not self.es_nodes:
            raise ValueError("LEAD_ES_URL names no node")

    @property
    def es_nodes(self) -> list[str]:
        """The engine's nodes named by ``es_url`` (comma-separated)."""
        return [url.strip() for url in self.es_url.split(",") if url.strip()]

    def replica_count(self, data_nodes: int) -> int:
        """Replicas for a new index on a cluster with this many data nodes."""
        if self.replicas == "auto":
            return 1 if data_nodes > 1 else 0
        return int(self.replicas)

    @property
    def programs(self) -> list[str]:
        """The LEAD programs named by ``lead_programs``."""
        return [p.strip() for p in self.lead_programs.split(",") if p.strip()]

    def with_(self, **changes: Any) -> "Settings":
        return replace(self, **changes)

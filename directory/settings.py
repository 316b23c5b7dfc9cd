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
    es_url: str = "http://127.0.0.1:9200"
    # Every index and alias name derives from this prefix, so each test run gets its own.
    index_prefix: str = "lead"
    es_timeout: float = 10.0
    # Capacity not confirmed within this many hours counts as unknown (DMHAS bed board rule).
    capacity_fresh_hours: float = 12.0
    timezone: str = "America/New_York"
    # geopy geocoder name (e.g. "nominatim"); empty means offline: cache then centroids only.
    geocoder: str = ""
    geocoder_user_agent: str = "lead-directory"
    max_body_bytes: int = 64 * 1024
    # Session cookies only over HTTPS (browsers treat http://127.0.0.1 as secure, so local use works).
    secure_cookies: bool = True
    secret_key: str = field(default="dev-only-change-me", repr=False)
    # The HSDS 3.0 read API (/hsds/) answers without a token, with CORS for GET, caching and rate limits.
    public_directory: bool = False
    # Flask-Limiter limits for anonymous public reads, per client address ("300 per minute;5000 per hour").
    public_rate_limit: str = "300 per minute"
    # Where the limits are counted: memory:// counts per process; name a shared store for several workers.
    rate_limit_storage: str = "memory://"
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

    def with_(self, **changes: Any) -> "Settings":
        return replace(self, **changes)

"""The traffic of `make load` (run by bench/load.py, which sets the environment it reads).

A realistic mix for a LEAD directory: officers and case managers browsing and looking nearby (70%),
case managers matching a participant (20%), providers posting open beds with If-Match (10%: read
the listing for its ETag, then PUT; a 412 because someone else wrote first is an expected answer,
counted apart, and not an error).

Environment: LOAD_READ_TOKEN (case manager), LOAD_WRITE_TOKEN (provider), LOAD_WRITE_LISTINGS
(comma-separated listings the provider owns), LOAD_POINTS (JSON list of [lat, lon]), LOAD_STATUS_FILE
(where the status counts go when the run ends).
"""
from __future__ import annotations

import json
import os
import random
from collections import Counter

from locust import FastHttpUser, between, events, task

READ_TOKEN = os.environ.get("LOAD_READ_TOKEN", "")
WRITE_TOKEN = os.environ.get("LOAD_WRITE_TOKEN", "")
WRITE_LISTINGS = [x for x in os.environ.get("LOAD_WRITE_LISTINGS", "").split(",") if x]
POINTS = json.loads(os.environ.get("LOAD_POINTS", "[[41.7637, -72.6851]]"))
NEARBY = ["detox", "shelter", "crisis", "naloxone", "methadone", "suboxone", "treatment", "food", "health"]
NEEDS = ["detox", "shelter", "residential treatment", "methadone", "suboxone", "outpatient", "recovery house",
         "mental health", "food", "sober house"]
BROWSE_NEEDS = ["substance_use", "housing", "mental_health", "basic_needs", "healthcare",
                "substance_use.withdrawal_management", "housing.emergency_shelter"]
STATUS: Counter = Counter()


@events.request.add_listener
def _count(request_type, name, response, exception, **_):  # noqa: ANN001 - locust's hook signature
    code = getattr(response, "status_code", 0) or 0
    STATUS[f"{name} {code}"] += 1


@events.quitting.add_listener
def _write_status(environment, **_):  # noqa: ANN001
    path = os.environ.get("LOAD_STATUS_FILE")
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(dict(STATUS), fh)


class LeadUser(FastHttpUser):
    # A person reading a result list between requests; the offered load rises with the user count.
    wait_time = between(0.2, 0.8)

    def _point(self) -> tuple[float, float]:
        lat, lon = random.choice(POINTS)
        return lat + random.uniform(-0.01, 0.01), lon + random.uniform(-0.01, 0.01)

    @task(35)
    def browse(self) -> None:
        lat, lon = self._point()
        params = f"need={random.choice(BROWSE_NEEDS)}&lat={lat:.5f}&lon={lon:.5f}&radius=10&page_size=20"
        if random.random() < 0.3:
            params += "&open_now=true"
        self.client.get(f"/api/v1/services?{params}", name="browse",
                        headers={"Authorization": f"Bearer {READ_TOKEN}"})

    @task(35)
    def nearby(self) -> None:
        lat, lon = self._point()
        self.client.get(f"/api/v1/nearby?need={random.choice(NEARBY)}&lat={lat:.5f}&lon={lon:.5f}", name="nearby",
                        headers={"Authorization": f"Bearer {READ_TOKEN}"})

    @task(20)
    def match(self) -> None:
        lat, lon = self._point()
        profile = {"location": {"lat": lat, "lon": lon}, "needs": [random.choice(NEEDS)],
                   "age": random.randint(18, 70), "gender": random.choice(["male", "female"]),
                   "insurance": [random.choice(["medicaid", "medicare", "private", "uninsured"])],
                   "urgency": random.choice(["now", "today", "this_week"])}
        if random.random() < 0.3:
            profile["moud"] = random.choice(["methadone", "buprenorphine"])
        if random.random() < 0.3:
            profile["languages"] = ["es"]
        self.client.post("/api/v1/match", json=profile, name="match",
                         headers={"Authorization": f"Bearer {READ_TOKEN}"})

    @task(10)
    def post_capacity(self) -> None:
        listing = random.choice(WRITE_LISTINGS)
        auth = {"Authorization": f"Bearer {WRITE_TOKEN}"}
        got = self.client.get(f"/api/v1/services/{listing}", name="capacity: read listing", headers=auth)
        etag = got.headers.get("ETag") if got.status_code == 200 else None
        if not etag:
            return
        with self.client.put(f"/api/v1/services/{listing}/capacity", name="capacity: PUT", catch_response=True,
                             headers={**auth, "If-Match": etag},
                             json={"available": random.randint(0, 20), "maximum": 40,
                                   "accepting_new_clients": True}) as resp:
            if resp.status_code == 412:
                resp.success()  # someone else posted first: the provider re-reads; not a server error

"""The geocode cache (``<prefix>-geocache``): answers of the geocoder kept between ingest runs, by the
normalised address they answer."""
from __future__ import annotations

from elasticsearch import Elasticsearch, helpers

from directory.indices.catalogue import Catalogue


class GeocodeCache:
    def __init__(self, es: Elasticsearch, catalogue: Catalogue):
        self.es = es
        self.index = catalogue.name("geocache")

    def get_many(self, keys: list[str]) -> dict[str, dict]:
        """The cached answers of these keys (missing keys are left out)."""
        if not keys or not self.es.indices.exists(index=self.index):
            return {}
        found: dict[str, dict] = {}
        for i in range(0, len(keys), 1000):
            resp = self.es.mget(index=self.index, ids=keys[i:i + 1000])
            found.update({d["_id"]: d["_source"] for d in resp["docs"] if d.get("found")})
        return found

    def put_many(self, entries: dict[str, dict]) -> None:
        if entries:
            helpers.bulk(self.es, ({"_index": self.index, "_id": k, "_source": v} for k, v in entries.items()))

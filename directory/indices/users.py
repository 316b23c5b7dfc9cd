"""The accounts (``<prefix>-users``) and the failed sign-ins per (username, client)
(``<prefix>-signin-failures``), one document each; ``directory.accounts`` keeps the rules."""
from __future__ import annotations

from elasticsearch import ConflictError, Elasticsearch, NotFoundError

from directory.indices.catalogue import Catalogue
from directory.indices.versioned import VersionedDocs

# An account list never carries secrets, even hashed.
SECRET_FIELDS = ("password_hash", "tokens")


def list_body(size: int = 1000) -> dict:
    """Every account by username, without its secrets."""
    return {"size": size, "sort": [{"username": "asc"}], "_source": {"excludes": list(SECRET_FIELDS)}}


class UsernameTaken(Exception):
    """An account by that username exists already."""


class UserIndex:
    def __init__(self, es: Elasticsearch, catalogue: Catalogue):
        self.es = es
        self.catalogue = catalogue
        self.index = catalogue.name("users")

    def get(self, username: str) -> tuple[dict, dict] | None:
        """The account and the sequence numbers to change it with, or None."""
        return VersionedDocs(self.es, self.index).get(username)

    def create(self, username: str, doc: dict) -> None:
        """A new account; raises ``UsernameTaken``."""
        try:
            self.es.index(index=self.index, id=username, document=doc, op_type="create", refresh=True)
        except ConflictError:
            raise UsernameTaken(username) from None

    def save(self, username: str, doc: dict, seq: dict) -> None:
        """Write an account read with ``seq``; raises ``StaleWrite`` when it changed meanwhile."""
        VersionedDocs(self.es, self.index).save(username, doc, seq)

    def list(self) -> list[dict]:
        """Every account (no secrets); none before the first one is made."""
        if not self.catalogue.exists("users"):
            return []
        return [h["_source"] for h in self.es.search(index=self.index, body=list_body())["hits"]["hits"]]


class SigninFailureIndex:
    def __init__(self, es: Elasticsearch, catalogue: Catalogue):
        self.es = es
        self.index = catalogue.name("signin_failures")

    def get(self, key: str) -> dict | None:
        try:
            return self.es.get(index=self.index, id=key)["_source"]
        except NotFoundError:
            return None

    def put(self, key: str, doc: dict) -> None:
        self.es.index(index=self.index, id=key, document=doc, refresh=True)

    def clear(self, key: str) -> None:
        self.es.options(ignore_status=404).delete(index=self.index, id=key)


class AccountChangesIndex:
    """One document whose sequence number moves on every account change: processes that cache accounts
    compare it to know when to read them again."""
    DOC_ID = "accounts"

    def __init__(self, es: Elasticsearch, catalogue: Catalogue):
        self.es = es
        self.index = catalogue.name("account_changes")

    def generation(self) -> tuple[int, int] | None:
        """(primary term, sequence number) of the changes document; None before any change. A sequence
        number is never reused, so a changed generation always reads as changed."""
        try:
            hit = self.es.get(index=self.index, id=self.DOC_ID, source=False)
        except NotFoundError:
            return None
        return hit["_primary_term"], hit["_seq_no"]

    def bump(self, at: str) -> None:
        self.es.index(index=self.index, id=self.DOC_ID, document={"at": at})

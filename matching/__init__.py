"""Matching: a participant profile -> one Elasticsearch request -> ranked, explained listings."""

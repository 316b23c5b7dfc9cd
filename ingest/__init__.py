"""Ingest: outside data -> validated, geocoded, de-duplicated listing records -> the store."""

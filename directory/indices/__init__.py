"""The index catalogue and the stores beside it: the only package that talks to Elasticsearch.

``catalogue`` declares every index the project keeps (name from the prefix, mapping, settings,
recovery priority) and creates and migrates them along one path. Each other module here is the store
of one index, or of one family of indices, with its queries as pure bodies beside it.
"""

"""The directory: domain model, need taxonomy, index definitions and the store."""

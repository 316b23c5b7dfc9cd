"""The HTTP API: thin views over directory/ and matching/."""

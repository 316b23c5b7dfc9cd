"""What a page says when the API layer (marshmallow, the account rules, the suggestion rules, the place
finder) refuses a value: its own words on an English page, the same meaning in Spanish on a Spanish page,
never English there. A message no rule below knows still gets a Spanish sentence naming nothing wrong that
is not."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from api.runtime import request_language

# (the API's message, what the page says): patterns over the messages of marshmallow's validators and of
# this project's schemas and rules. Named groups fill the page's sentence.
RULES: tuple[tuple[re.Pattern, object], ...] = tuple((re.compile(p, re.I), said) for p, said in (
    (r"Missing data for required field\.?", _l("This is required.")),
    (r"Field may not be null\.?", _l("This cannot be empty.")),
    (r"Not a valid integer\.?", _l("Type a whole number.")),
    (r"Not a valid number\.?", _l("Type a number.")),
    (r"Not a valid (?:string|list|boolean|mapping type)\.?|Invalid input type\.?", _l("This is not a value this form takes.")),
    (r"Unknown field\.?", _l("This form has no such field.")),
    (r"Must be one of: .*", _l("Choose one of the options offered.")),
    (r"Must be greater than or equal to (?P<min>[\d.]+) and less than or equal to (?P<max>[\d.]+)\.?",
     _l("Type a number from %(min)s to %(max)s.")),
    (r"Must be greater than or equal to (?P<min>[\d.]+)\.?", _l("Type a number of %(min)s or more.")),
    (r"Must be less than or equal to (?P<max>[\d.]+)\.?", _l("Type a number of %(max)s or less.")),
    (r"Length must be between (?P<min>\d+) and (?P<max>\d+)\.?", _l("Use between %(min)s and %(max)s characters or items.")),
    (r"Longer than maximum length (?P<max>\d+)\.?", _l("Use at most %(max)s characters or items.")),
    (r"Shorter than minimum length (?P<min>\d+)\.?", _l("Use at least %(min)s characters or items.")),
    (r"String does not match expected pattern\.?", _l("This is not written the way this field needs.")),
    (r"must be a 5-digit ZIP code", _l("Type a 5-digit ZIP code.")),
    (r"lat and lon go together", _l("Give both the latitude and the longitude.")),
    (r"give lat and lon, zip, or near", _l("Type a place, or use your location.")),
    (r"username must be .*", _l("Usernames are 3-64 characters: lower-case letters, digits, . _ @ -")),
    (r"role must be one of .*", _l("Choose one of the roles offered.")),
    (r"a provider account must be bound to at least one organisation",
     _l("A provider account needs at least one organisation id.")),
    (r"passwords must have at least 12 characters", _l("Passwords need at least 12 characters.")),
    (r"program must be .*", _l("Program names are 2-64 characters: lower-case letters, digits, . _ -")),
    (r"only case managers and officers belong to a program", _l("Only case managers and officers belong to a program.")),
    (r"the username '(?P<name>[^']+)' is taken", _l("The username %(name)s is taken.")),
    (r"no account '(?P<name>[^']+)'", _l("There is no account %(name)s.")),
    (r"could not update .*: too much contention", _l("The account could not be changed just now; try again.")),
    (r"No listing '(?P<id>[^']+)'\.?", _l("There is no listing %(id)s.")),
    (r"No suggestion '(?P<id>[^']+)'\.?", _l("There is no suggestion %(id)s.")),
    (r"This suggestion was already (?P<status>\w+)\.?", _l("This suggestion was already decided.")),
    (r"The listing this suggestion is about is no longer in the directory\.?",
     _l("The listing this suggestion is about is no longer in the directory.")),
    (r"The listing could not be changed just now; try again\.?", _l("The listing could not be changed just now; try again.")),
    (r"The suggested change would make the listing invalid.*",
     _l("The suggested change would make the listing invalid; check the values.")),
    (r".*above maximum.*", _l("The open number cannot be more than the total.")),
    (r"each listing once", _l("Choose each program once.")),
    (r"say why: .*", _l("Choose a reason.")),
))
FALLBACK = _l("This value was not accepted; check it and try again.")


def page_message(message: str) -> str:
    """An API-layer refusal in the page's language (English pages keep the API's own words)."""
    if request_language() == "en":
        return message
    text = (message or "").strip()
    for pattern, said in RULES:
        m = pattern.fullmatch(text)
        if m:
            return str(said) % m.groupdict() if m.groupdict() else str(said)
    return str(FALLBACK)

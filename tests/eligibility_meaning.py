"""Eligibility written from what each rule means, by hand, apart from ``directory.eligibility``: the
oracle the property tests and the per-dimension cases hold the table and the engine to. It reads the
validated record's own fields (not the table's paths), so a wrong row in the table cannot agree with it.

A listing that does not state a rule never excludes anyone (three-valued eligibility); only a stated
rule the participant definitely does not meet does.
"""
from __future__ import annotations

from directory.places import canonical_town

# Coverage that needs nothing of the participant: a free program serves anyone; a sliding fee or state
# funding serves people who have no insurance.
FREE = "uninsured"
FOR_THE_UNINSURED = {"sliding_fee", "state_funded"}
# "Only for" rules: the listing field and the participant fact that must be true.
ONLY_FOR = {"veterans_only": "veteran", "pregnant_only": "pregnant", "parenting_only": "parenting",
            "homeless_only": "homeless", "students_only": "enrolled_student", "custody_only": "in_custody",
            "supervision_only": "on_supervision"}


def _town(name: str | None) -> str:
    return canonical_town(name or "") or " ".join((name or "").upper().split())


def ineligible(record: dict, facts: dict) -> set[str]:
    """The names of the rules on which this listing cannot serve this participant (``facts`` as a match
    request carries them, ``_town`` the participant's town)."""
    service = record.get("service") or {}
    rules = record.get("eligibility") or {}
    out: set[str] = set()
    if (service.get("status") or "active") != "active":
        out.add("not active")

    age, lo, hi = facts.get("age"), service.get("minimum_age"), service.get("maximum_age")
    if age is not None and ((lo is not None and age < lo) or (hi is not None and age > hi)):
        out.add("age")

    served = rules.get("genders")
    if facts.get("gender") and served is not None and facts["gender"] not in served:
        out.add("gender")

    mine, accepted = facts.get("insurance") or [], rules.get("insurance")
    if mine and accepted is not None:
        covered = bool(set(mine) & set(accepted)) or FREE in accepted
        uninsured = FREE in mine
        if not covered and not (uninsured and FOR_THE_UNINSURED & set(accepted)):
            out.add("insurance")

    medication, taken = facts.get("moud"), rules.get("moud_accepted")
    if medication and taken is not None and medication not in taken:
        out.add("moud")

    if rules.get("sobriety_required") is True and facts.get("currently_using") is True:
        out.add("sobriety")

    if set(rules.get("offence_exclusions") or []) & set(facts.get("offences") or []):
        out.add("offences")

    for field, fact in ONLY_FOR.items():
        if rules.get(field) is True and facts.get(fact) is not True:
            out.add(field.removesuffix("_only"))

    # A program for pregnant and parenting women takes a woman who is either.
    if rules.get("pregnant_parenting_only") is True and not (facts.get("pregnant") is True
                                                              or facts.get("parenting") is True):
        out.add("pregnant_parenting")

    if rules.get("id_required") is True and facts.get("has_id") is False:
        out.add("id")

    towns = rules.get("service_area_towns")
    if towns is not None and facts.get("_town") and _town(facts["_town"]) not in {_town(t) for t in towns}:
        out.add("service_area")
    return out

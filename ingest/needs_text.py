"""Needs read from a service's own words, when its feed names none it states in a column or a term.

A need is read from text only where the text says that need: a phrase of the taxonomy found whole in
the name or description. Words that name a kind of place or a manner of help rather than a need
("clinic", "center", "help", "physical", "medical") never decide alone: a "Tenant Rights Clinic" offering
"legal advice for tenants facing eviction" is legal aid, not primary care. Words that say who is served
("homeless") are not a need either. Typed-word corrections (``taxonomy.correct``) are for people typing a
search, not for a feed's prose, so none is made here. The words each need was read from are returned,
so the listing can show them.
"""
from __future__ import annotations

from directory import taxonomy

# Single words of the taxonomy's phrases that do not say a need when they stand alone in a feed's text.
NOT_A_NEED_ALONE = frozenset({
    "clinic", "center", "centre", "help", "physical", "medical", "health", "work", "ride", "bus", "id", "er", "ed",
    "aa", "na", "meetings", "emotional", "homeless", "medication", "medications", "prescriptions", "court",
    "checkup", "doctor", "clínica", "clinica", "ayuda", "salud", "casa", "trabajo", "emergencia", "corte",
    "crisis", "alcohol", "drugs", "subs", "mat", "dosing", "kicking", "physical", "career", "jobs", "job",
})


def needs_from_text(*texts: str | None) -> dict[str, str]:
    """Need code -> the words it was read from (quoted, comma separated), from every text given (the name
    and the description). Longer phrases win over the words inside them; a parent need read beside one of
    its own children says nothing more than the child."""
    found: dict[str, list[str]] = {}
    for text in texts:
        padded = f" {taxonomy.fold(text or '')} "
        if not padded.strip():
            continue
        hits = [p for p in taxonomy.WORD_INDEX if f" {p} " in padded and p not in NOT_A_NEED_ALONE]
        hits = [p for p in hits if not any(p != q and f" {p} " in f" {q} " for q in hits)]
        for phrase in sorted(hits):
            for code in taxonomy.WORD_INDEX[phrase]:
                if phrase not in found.setdefault(code, []):
                    found[code].append(phrase)
    return {c: ", ".join(f"'{w}'" for w in found[c]) for c in taxonomy.leaves(found)}

"""Read what a facility's or program's name says: the services it names and who it is for.

Federal lists and many feeds state little in columns, but their names are specific: "Adolescent
Substance Abuse Trt Program", "Coventry House Mothers/Children Prog", "VA Connecticut Healthcare",
"Altruism House/Male", "Bethel High School SBHC", "Waterbury Methadone Program Detox". A case manager
reads them at a glance; the directory does too, with rules written from real Connecticut names (see
``tests/test_classify.py``). Each inferred value carries its origin ("from the name ...") so it is
shown, and a provider's own value replaces it. Only values a source left unstated are filled.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from directory import eligibility
from directory.taxonomy import fold


@dataclass
class Inference:
    needs: set[str] = field(default_factory=set)
    # Eligibility column (as in the provider spreadsheet) -> value, and -> where it was read.
    values: dict[str, Any] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)
    languages: set[str] = field(default_factory=set)
    prevention_only: bool = False
    outpatient_named: bool = False  # the word itself ("Outpatient", "OP"), not only "clinic" or "counseling"

    def set(self, column: str, value: Any, why: str) -> None:
        if column not in self.values:
            self.values[column] = value
            self.origin[column] = why


def _rx(pattern: str) -> re.Pattern:
    return re.compile(pattern)


# Services named, per domain of the list ("substance_use", "mental_health", "health").
NEED_RULES: tuple[tuple[re.Pattern, dict[str, str]], ...] = (
    # The state hospital's Addiction Services Division (Merritt Hall in Middletown, Blue Hills in Hartford)
    # is the state's inpatient withdrawal management and rehabilitation, though its rows name neither.
    (_rx(r"connecticut valley hospital.*(?:addiction|substance)|blue hills substance|merritt hall"),
     {"substance_use": "substance_use.withdrawal_management"}),
    (_rx(r"connecticut valley hospital.*(?:addiction|substance)|blue hills substance|merritt hall"),
     {"substance_use": "substance_use.residential"}),
    (_rx(r"\bdetox|withdrawal management"), {"*": "substance_use.withdrawal_management"}),
    (_rx(r"methadone|\bmmtp\b|\bmeth\b|\botp\b|dispensary|opioid treatment"),
     {"*": "substance_use.opioid_treatment_program"}),
    (_rx(r"\bmats?\b|suboxone|buprenorphine|vivitrol|naltrexone|office based opioid"),
     {"*": "substance_use.moud_prescriber"}),
    (_rx(r"intensive outpatient|\biop\b|intensive and intermediate"),
     {"substance_use": "substance_use.intensive_outpatient", "mental_health": "mental_health.outpatient"}),
    # A day hospital (partial hospitalisation) is hospital-level psychiatric care, not an outpatient clinic.
    (_rx(r"partial hosp|\bphp\b|day hospital|day treatment"),
     {"substance_use": "substance_use.intensive_outpatient", "mental_health": "mental_health.psychiatric"}),
    (_rx(r"residential|\bintensive resid|\bresid\b|halfway house|recovery house"),
     {"substance_use": "substance_use.residential"}),
    # On the substance use list a "House", "Home" or "Retreat" is a residential program (Amethyst House,
    # Altruism House, Mothers Retreat, Youth Challenge Mens Home).
    (_rx(r"\bhouse\b|\bhome\b|\bretreat\b"), {"substance_use": "substance_use.residential"}),
    (_rx(r"outpatient|\boutpt\b|\bop\b|\bopcc\b|ambulatory|counsel+ing|\bclinic\b|\bcsl\b"),
     {"substance_use": "substance_use.outpatient", "mental_health": "mental_health.outpatient"}),
    (_rx(r"co ?occurring|\bmisa\b|dual diagnosis"), {"*": "mental_health.co_occurring"}),
    (_rx(r"\bhiv\b|hepatitis"), {"*": "healthcare.hiv_hepatitis"}),
    (_rx(r"\bcrisis\b|emergency psychiatric"), {"*": "mental_health.crisis"}),
    (_rx(r"psychiatr|inpatient behavio|hospital.*behavio|behavio.*hospital"),
     {"mental_health": "mental_health.psychiatric", "substance_use": "mental_health.co_occurring"}),
    # On the mental health list a hospital's program (a day hospital, an IOP, "Natchaug Hospital Inc")
    # is hospital psychiatric care.
    (_rx(r"\bhospital\b"), {"mental_health": "mental_health.psychiatric"}),
)

# "Hartford Dispensary/Doctors Clinic", "Waterbury Methadone Program Detox", an opioid treatment program
# whose name says "Counseling": the clinic is that program, not a general outpatient service, unless the
# name says outpatient in so many words ("Outpatient Substance Abuse Clinic Veterans Administration ...").
SPECIFIC_PROGRAMS = {"substance_use.opioid_treatment_program", "substance_use.withdrawal_management"}
GENERAL_OUTPATIENT = {"substance_use.outpatient", "mental_health.outpatient"}
_ADOLESCENT = _rx(r"adolescen|\bteens?\b|juvenile|pediatric|paediatric|boys and girls|early stimulation|"
                  r"head start|child first|child study|child (?:and family )?guidance|\bchild(?:ren)?s? (?:center|centre|clinic|"
                  r"hospital|medical|home|program)|psychiatric clinic for children|for children|\bchildrens\b")
_FAMILY_AND_CHILDREN = _rx(r"famil(?:y|ies) and child|parent and child|youth and famil|mothers?.{0,3}child|"
                           r"women and child")
_YOUNG_ADULT = _rx(r"transitional youth|young adult|\btay\b")
_ADULT = _rx(r"\badults?\b")
_ADULT_AND_YOUTH = _rx(r"adults? and (?:youth|child|adolescen)|(?:youth|child|adolescen)\w* and adults?")
# Services the state's Department of Mental Health and Addiction Services runs serve adults (18+); the
# Department of Children and Families serves those younger.
_DMHAS = _rx(r"capitol region mental health|connecticut mental health center|southwest connecticut (?:mh|mental health)|"
             r"western (?:ct|connecticut) mental health|river valley services|southeastern mental health authority|"
             r"connecticut valley hospital|greater bridgeport community (?:mh|mental health)|\bdmhas\b")
# The state's local mental health authorities run its crisis services (mobile crisis, crisis evaluation)
# for their area, besides their outpatient clinics with psychiatrists: on the mental health list they
# are all three (stated, so that the crisis code does not hide the clinic a generic row implies).
_LOCAL_MENTAL_HEALTH_AUTHORITY = _rx(
    r"capitol region mental health|connecticut mental health center|southwest connecticut (?:mh|mental health)|"
    r"western (?:ct|connecticut) mental health|river valley services|southeastern mental health authority|"
    r"greater bridgeport community (?:mh|mental health)")
_SENIOR = _rx(r"senior center|eldercare|elder care|geriatric|older adults?")
_WOMEN = _rx(r"\bwom[ae]n'?s?\b|\bfemales?\b|\bladies\b|\bmothers?'?s?\b|\bperinatal\b|\bpregnan")
_MEN = _rx(r"\bmen'?s?\b|\bmales?\b")
# Programs for pregnant and parenting women (women and children's treatment takes both); a prenatal
# program for pregnant women; one for parents with their children (of either sex: a family shelter).
_PREGNANT_PARENTING = _rx(r"mothers?.{0,3}child|women and child|\bperinatal\b|\bpostpartum\b|mothers retreat|"
                          r"pregnant (?:and|or|/) ?parenting")
_PREGNANT = _rx(r"\bprenatal\b|\bpregnan")
_PARENTS = _rx(r"famil(?:y|ies) with (?:young )?child|parents? with (?:their )?(?:young )?child|family shelter")
_SCHOOL_BASED = _rx(r"school based|school-based|\bsbhc\b")
_SCHOOL = _rx(r"\bschools?\b|\bacademy\b|\bmagnet\b|\bcommunity college\b|\bk ?8\b")
# The rows of the eligibility table that say which names state them (veterans, custody, ...).
_NAMED_BY = tuple((d, _rx(d.named_by)) for d in eligibility.DIMENSIONS if d.named_by)
# A clinic inside a shelter or a meal program serves its guests ("COLUMBUS HOUSE SHELTER CLINIC", "OPTIMUS
# Pacific House Shelter"), including the Connecticut shelters and soup kitchens whose names do not say so.
_SHELTER = _rx(r"\bshelters?\b|\bhomeless\b|soup kitchen|south park inn|columbus house|inspirica|"
               r"friendship service center|master'?s manna|house of bread|open hearth|salvation army|"
               r"immaculate conception|st vincent de paul")
_SPANISH = _rx(r"hispan|latin[oa]s?\b|espanol|\bhispano")
_OUTPATIENT_WORD = _rx(r"outpatient|\boutpt\b|\bop\b")
_PREVENTION = _rx(r"primary prevention|prevention council|prevention program$|testing and prevention")


def classify(name: str, *, domain: str, school_list: bool = False) -> Inference:
    """What a name says. ``domain`` is the list's field (substance_use, mental_health or health);
    ``school_list`` marks a list (HRSA sites) where 'Academy' or 'Magnet' names a school clinic."""
    text = fold(name)
    quote = f"from the name \u201c{name.strip()}\u201d"
    out = Inference()
    for pattern, codes in NEED_RULES:
        if pattern.search(text):
            code = codes.get(domain) or codes.get("*")
            if code:
                out.needs.add(code)
    out.outpatient_named = bool(_OUTPATIENT_WORD.search(text))
    if domain == "mental_health" and _LOCAL_MENTAL_HEALTH_AUTHORITY.search(text):
        out.needs |= {"mental_health.crisis", "mental_health.outpatient", "mental_health.psychiatric"}
    if out.needs & SPECIFIC_PROGRAMS and not out.outpatient_named:
        out.needs -= GENERAL_OUTPATIENT
    if _PREVENTION.search(text):
        out.prevention_only = True

    family = bool(_FAMILY_AND_CHILDREN.search(text))
    if _SCHOOL_BASED.search(text) or (school_list and _SCHOOL.search(text)):
        out.set("students_only", True, quote)
    elif _SCHOOL.search(text) and domain == "mental_health":
        out.set("max_age", 17, quote)  # therapeutic day and boarding schools serve children
    if _ADOLESCENT.search(text) and not family and not _ADULT_AND_YOUTH.search(text):
        out.set("max_age", 17, quote)
    elif _YOUNG_ADULT.search(text):
        out.set("max_age", 25, quote)
    elif _SENIOR.search(text):
        out.set("min_age", 55, quote)
    elif (_ADULT.search(text) and not _ADULT_AND_YOUTH.search(text)) or _DMHAS.search(text):
        out.set("min_age", 18, quote)

    women, men = bool(_WOMEN.search(text)), bool(_MEN.search(text))
    if women and not men:
        out.set("genders", ["female"], quote)
    elif men and not women:
        out.set("genders", ["male"], quote)
    if _PREGNANT_PARENTING.search(text):
        out.set("pregnant_parenting_only", True, quote)
    elif _PREGNANT.search(text):
        out.set("pregnant_only", True, quote)
    elif _PARENTS.search(text):
        out.set("parenting_only", True, quote)
    for dim, pattern in _NAMED_BY:
        if pattern.search(text):
            out.set(dim.columns[0], True, quote)
    if domain == "health" and _SHELTER.search(text):
        out.set("homeless_only", True, quote)
    if _SPANISH.search(text):
        out.languages.add("es")
    return out


def infer_into(record: dict, inference: Inference) -> None:
    """Fill a raw listing record with what a name says, leaving every value a source stated alone."""
    stated = set(record.get("needs") or [])
    named = inference.needs - GENERAL_OUTPATIENT if stated & SPECIFIC_PROGRAMS and not inference.outpatient_named \
        else inference.needs
    if inference.prevention_only and named:
        # "HIV Testing and Prevention Services" on the substance use list: a testing program, not treatment.
        stated -= {"substance_use", "mental_health"}
    record["needs"] = sorted(stated | named)
    eligibility_section = record.setdefault("eligibility", {})
    service = record.setdefault("service", {})
    for column, value in inference.values.items():
        section, key = eligibility.COLUMNS[column].split(".", 1)
        holder = service if section == "service" else eligibility_section
        if holder.get(key) is None:
            holder[key] = value
            record.setdefault("inferred", {})[column] = inference.origin[column]
    if inference.languages:
        record["languages"] = sorted(set(record.get("languages") or ["en"]) | inference.languages)

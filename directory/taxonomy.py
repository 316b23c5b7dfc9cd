"""The LEAD need taxonomy: hierarchical codes with everyday and Spanish words.

Codes are dotted paths (``substance_use.withdrawal_management``). A listing stores its leaf
codes and every ancestor, so a search for a parent need matches its children with one
``terms`` query. The engine here has no synonym or stemming analyzers, so everyday words
("detox", "sober house") and Spanish terms ("desintoxicación") live here and are expanded in
Python at query time.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable


@dataclass(frozen=True)
class Need:
    code: str
    name: str
    name_es: str
    words: tuple[str, ...] = ()
    words_es: tuple[str, ...] = ()
    # Open Eligibility / Open Referral taxonomy terms that map onto this need.
    open_eligibility: tuple[str, ...] = ()

    @property
    def parent(self) -> str | None:
        return self.code.rsplit(".", 1)[0] if "." in self.code else None

    @property
    def ancestors(self) -> tuple[str, ...]:
        """This code and every ancestor, root first."""
        parts = self.code.split(".")
        return tuple(".".join(parts[: i + 1]) for i in range(len(parts)))


def _n(code: str, name: str, name_es: str, words: str = "", words_es: str = "", oe: str = "") -> Need:
    split = lambda s: tuple(w.strip() for w in s.split(",") if w.strip())  # noqa: E731
    return Need(code, name, name_es, split(words), split(words_es), split(oe))


NEEDS: tuple[Need, ...] = (
    _n("housing", "Housing", "Vivienda", "housing, place to stay, somewhere to sleep, homeless",
       "vivienda, alojamiento, casa, sin hogar, desamparado", "housing"),
    _n("housing.emergency_shelter", "Emergency shelter", "Refugio de emergencia",
       "shelter, emergency shelter, bed tonight, overnight shelter, warming center, night shelter",
       "refugio, albergue, cama esta noche", "emergency shelter, shelter"),
    _n("housing.transitional", "Transitional housing", "Vivienda de transición",
       "transitional housing, halfway house, bridge housing", "vivienda transitoria, vivienda de transición",
       "transitional housing"),
    _n("housing.recovery_residence", "Recovery residence / sober house", "Residencia de recuperación",
       "sober house, sober living, recovery house, recovery residence, oxford house",
       "casa de sobriedad, residencia de recuperación, vivienda sobria", "sober living"),
    _n("housing.permanent_supportive", "Permanent supportive housing", "Vivienda de apoyo permanente",
       "supportive housing, permanent housing, housing first, rapid rehousing",
       "vivienda permanente, vivienda de apoyo", "long-term housing, supportive housing"),
    _n("healthcare", "Healthcare", "Atención médica", "health, health care, healthcare",
       "salud, atención médica", "health"),
    _n("healthcare.primary_care", "Primary care", "Atención primaria",
       "primary care, doctor, medical, checkup, physical, family medicine, clinic",
       "médico, doctor, médico de cabecera, chequeo, clínica", "primary care, medical care"),
    _n("healthcare.health_center", "Community health center", "Centro de salud comunitario",
       "health center, fqhc, community health center, free clinic", "centro de salud, clínica comunitaria, clínica gratis",
       "health center, community clinics"),
    _n("healthcare.dental", "Dental care", "Atención dental", "dental, dentist, teeth, tooth",
       "dentista, dental, dientes, muela", "dental care"),
    _n("healthcare.hiv_hepatitis", "HIV and hepatitis testing and care", "VIH y hepatitis",
       "hiv, hepatitis, hep c, prep, std testing, sti testing", "vih, sida, hepatitis, prueba de vih",
       "hiv treatment, std/sti treatment & prevention, disease screening"),
    _n("healthcare.hospital", "Hospital emergency department", "Sala de emergencias",
       "hospital, emergency room, er, emergency department, ed", "hospital, sala de emergencias, emergencia",
       "emergency room care, hospital care"),
    _n("healthcare.pharmacy", "Pharmacy", "Farmacia", "pharmacy, prescriptions, medication, drugstore",
       "farmacia, receta, medicamentos", "prescription assistance, medications"),
    _n("substance_use", "Substance use", "Uso de sustancias",
       "substance use, addiction, drug treatment, alcohol treatment, drugs, alcohol",
       "adicción, drogas, alcohol, tratamiento de drogas", "addiction & recovery, substance abuse"),
    _n("substance_use.withdrawal_management", "Withdrawal management (detox)", "Desintoxicación",
       "detox, detoxification, withdrawal, withdrawal management, dope sick, kicking",
       "desintoxicación, desintoxicacion, detox, abstinencia", "detox, drug detox, alcohol detox"),
    _n("substance_use.residential", "Residential treatment", "Tratamiento residencial",
       "rehab, residential, inpatient, residential treatment, long term treatment",
       "rehabilitación, centro de rehabilitación, tratamiento residencial, internado",
       "residential treatment, residential recovery"),
    _n("substance_use.outpatient", "Outpatient treatment", "Tratamiento ambulatorio",
       "outpatient, counseling, substance counseling, drug counseling", "tratamiento ambulatorio, consejería",
       "outpatient treatment"),
    _n("substance_use.intensive_outpatient", "Intensive outpatient (IOP)", "Tratamiento ambulatorio intensivo",
       "iop, intensive outpatient, partial hospitalization, php", "ambulatorio intensivo",
       "intensive outpatient treatment"),
    _n("substance_use.opioid_treatment_program", "Opioid treatment program (methadone clinic)",
       "Programa de tratamiento de opioides",
       "methadone, methadone clinic, methadose, otp, opioid treatment program, dosing",
       "metadona, clínica de metadona", "medication-assisted treatment"),
    _n("substance_use.moud_prescriber", "MOUD prescriber (buprenorphine, naltrexone)",
       "Medicamentos para el trastorno por uso de opioides",
       "suboxone, subutex, zubsolv, brixadi, buprenorphine, bupe, subs, vivitrol, vivitrol shot, naltrexone, "
       "sublocade, mat, moud, medication assisted treatment",
       "suboxona, buprenorfina, naltrexona", "medication-assisted treatment, medications for addictions"),
    _n("substance_use.harm_reduction", "Harm reduction", "Reducción de daños",
       "harm reduction, safer use, drug checking, fentanyl test strips", "reducción de daños",
       "harm reduction"),
    _n("substance_use.harm_reduction.naloxone", "Naloxone (Narcan)", "Naloxona (Narcan)",
       "narcan, naloxone, overdose kit, overdose reversal", "narcan, naloxona, sobredosis",
       "overdose prevention"),
    _n("substance_use.harm_reduction.syringe_services", "Syringe services", "Servicios de jeringas",
       "needle exchange, syringe exchange, clean needles, syringe services, ssp", "intercambio de jeringas, agujas limpias",
       "syringe exchange, needle exchange"),
    _n("substance_use.recovery_support", "Recovery support", "Apoyo para la recuperación",
       "recovery coach, peer support, recovery community, warm line, aa, na, meetings, 12 step",
       "apoyo de recuperación, consejero de pares, reuniones", "peer support, support groups, recovery support"),
    _n("mental_health", "Mental health", "Salud mental", "mental health, emotional, therapy, counseling",
       "salud mental, terapia, consejería", "mental health care"),
    _n("mental_health.crisis", "Mental health crisis", "Crisis de salud mental",
       "crisis, suicidal, psychiatric emergency, mobile crisis, 988, crisis line",
       "crisis, suicidio, emergencia psiquiátrica", "crisis intervention, suicide prevention"),
    _n("mental_health.outpatient", "Outpatient mental health", "Salud mental ambulatoria",
       "therapy, therapist, counseling, counselling, counselor, talk therapy", "terapia, terapeuta, consejero",
       "counseling, outpatient mental health care"),
    _n("mental_health.psychiatric", "Psychiatric care", "Atención psiquiátrica",
       "psychiatrist, psychiatric, psych meds, medication management", "psiquiatra, psiquiátrico",
       "psychiatric medication services, psychiatric emergency & hospitalization"),
    _n("mental_health.co_occurring", "Co-occurring disorders", "Trastornos concurrentes",
       "dual diagnosis, co-occurring, mental health and substance use", "diagnóstico dual, trastornos concurrentes",
       "dual diagnosis"),
    _n("employment", "Employment", "Empleo", "job, jobs, work, employment, career", "empleo, trabajo, trabajos",
       "work, employment"),
    _n("employment.job_training", "Job training", "Capacitación laboral",
       "job training, vocational, skills training, apprenticeship", "capacitación laboral, formación profesional",
       "job training, skills & training"),
    _n("employment.job_placement", "Job placement", "Colocación laboral",
       "job placement, job search, day labor, resume help, hiring", "búsqueda de empleo, colocación laboral",
       "help find work, job placement"),
    _n("employment.education", "Education and GED", "Educación y GED",
       "ged, high school equivalency, adult education, literacy, esl classes",
       "ged, educación de adultos, clases de inglés", "more education, adult education, ged/high-school equivalency"),
    _n("basic_needs", "Basic needs", "Necesidades básicas", "basic needs, help", "necesidades básicas, ayuda",
       "basic needs"),
    _n("basic_needs.food", "Food", "Comida", "food, meals, hot meal, supper, soup kitchen, food pantry, hungry, groceries",
       "comida, alimentos, despensa, comedor", "food, food pantry, meals"),
    _n("basic_needs.id_documents", "ID and documents", "Identificación y documentos",
       "id, identification, birth certificate, state id, social security card",
       "identificación, acta de nacimiento, documentos", "help find id, identification"),
    _n("basic_needs.transportation", "Transportation", "Transporte", "bus pass, ride, transportation, bus",
       "transporte, pase de autobús", "transportation, bus passes"),
    _n("basic_needs.benefits", "Benefits enrollment", "Inscripción en beneficios",
       "benefits, snap, food stamps, medicaid enrollment, husky enrollment, ssi, cash assistance",
       "beneficios, cupones de alimentos, inscripción en husky", "government benefits, health insurance enrollment"),
    _n("legal_aid", "Legal aid", "Ayuda legal", "legal, lawyer, attorney, court, record expungement, pardon",
       "abogado, ayuda legal, corte", "legal, advocacy & legal aid"),
)

BY_CODE: dict[str, Need] = {n.code: n for n in NEEDS}
# Needs a listing probably offers though it does not say so, and the needs it states that imply them.
# Coded only at the parent level: most mental health facilities on the federal lists run an outpatient
# clinic and prescribe psychiatric medication, and most substance use treatment facilities offer
# outpatient care, though their row says only "mental health" or "substance use". A sibling: about half
# of the outpatient substance use programs run an intensive outpatient track. Such listings match,
# ranked below those that state the need, with a caution. (Detox, residential and methadone are never
# assumed: a row must say so.)
IMPLIED_BY: dict[str, tuple[str, ...]] = {
    "mental_health.outpatient": ("mental_health",),
    "mental_health.psychiatric": ("mental_health",),
    "substance_use.outpatient": ("substance_use",),
    "substance_use.intensive_outpatient": ("substance_use.outpatient",),
}
CO_OCCURRING = "mental_health.co_occurring"
TOP_LEVEL: tuple[str, ...] = tuple(n.code for n in NEEDS if n.parent is None)


@dataclass(frozen=True)
class Group:
    """A named grouping of needs that a screen or a rule reads: an officer's button, a row of the bed
    board, the needs for which a rule's caution matters."""
    name: str
    label: str
    label_es: str
    codes: tuple[str, ...]
    # Bed board rows: only listings taking people without an appointment (walk-in) count.
    walk_in_only: bool = False
    # A fuller name where there is room for one (the bed board), English and Spanish.
    title: tuple[str, str] | None = None

    def label_in(self, lang: str = "en") -> str:
        return self.label_es if lang == "es" else self.label

    def title_in(self, lang: str = "en") -> str:
        return (self.title[1] if lang == "es" else self.title[0]) if self.title else self.label_in(lang)


def _g(name: str, label: str, label_es: str, codes: str, walk_in_only: bool = False,
       title: tuple[str, str] | None = None) -> Group:
    return Group(name, label, label_es, tuple(c.strip() for c in codes.split(",") if c.strip()), walk_in_only, title)


GROUPS: tuple[Group, ...] = (
    _g("detox", "Detox", "Desintoxicación", "substance_use.withdrawal_management"),
    _g("shelter", "Shelter", "Refugio", "housing.emergency_shelter",
       title=("Emergency shelter", "Refugio de emergencia")),
    _g("crisis", "Crisis", "Crisis", "mental_health.crisis, healthcare.hospital"),
    _g("harm_reduction", "Harm reduction", "Reducción de daños", "substance_use.harm_reduction"),
    _g("naloxone", "Naloxone (Narcan)", "Naloxona (Narcan)", "substance_use.harm_reduction.naloxone"),
    _g("methadone", "Methadone", "Metadona", "substance_use.opioid_treatment_program"),
    _g("suboxone", "Suboxone", "Suboxone", "substance_use.moud_prescriber"),
    _g("food", "Food", "Comida", "basic_needs.food"),
    _g("treatment", "Treatment", "Tratamiento",
       "substance_use.residential, substance_use.outpatient, substance_use.intensive_outpatient"),
    _g("health", "Health care", "Atención médica", "healthcare.primary_care, healthcare.health_center"),
    _g("withdrawal_management", "Withdrawal management (detox)", "Desintoxicación",
       "substance_use.withdrawal_management"),
    _g("residential_treatment", "Residential treatment", "Tratamiento residencial", "substance_use.residential"),
    _g("recovery_houses", "Recovery houses (transitional)", "Casas de recuperación (transición)",
       "housing.transitional"),
    _g("sober_houses", "Sober houses", "Casas de sobriedad", "housing.recovery_residence"),
    _g("walk_in", "Walk-in substance use services", "Servicios de adicción sin cita", "substance_use",
       walk_in_only=True),
    # Where a program may turn away someone on medication for opioid use disorder, so not stating
    # whether it accepts them deserves a caution.
    _g("moud_questioned", "Needs where medication for opioid use disorder may be refused",
       "Necesidades en las que pueden rechazar la medicación para el trastorno por opioides",
       "housing, substance_use.withdrawal_management, substance_use.residential, "
       "substance_use.intensive_outpatient, substance_use.outpatient"),
)
GROUPS_BY_NAME: dict[str, Group] = {g.name: g for g in GROUPS}
# Where groups appear, in order: ``nearby`` (the officer's quick mode; every button is one of them),
# ``quick_buttons`` (the big buttons) and ``more_buttons`` (the smaller ones), ``beds`` (the bed board's rows,
# as Connecticut's DMHAS bed board groups them, plus shelter).
LISTS: dict[str, tuple[str, ...]] = {
    "nearby": ("detox", "shelter", "crisis", "harm_reduction", "naloxone", "methadone", "suboxone", "food",
               "treatment", "health"),
    "quick_buttons": ("detox", "shelter", "crisis", "harm_reduction", "naloxone", "food"),
    "more_buttons": ("methadone", "suboxone", "treatment", "health"),
    "beds": ("withdrawal_management", "residential_treatment", "recovery_houses", "sober_houses", "walk_in",
             "shelter"),
}


def group(name: str) -> Group:
    """The need group of this name (KeyError when there is none)."""
    return GROUPS_BY_NAME[name]


def groups(list_name: str) -> tuple[Group, ...]:
    """The groups that appear in one list (``nearby``, ``quick_buttons``, ``more_buttons``, ``beds``), in order."""
    return tuple(GROUPS_BY_NAME[name] for name in LISTS[list_name])


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Lower-case, strip accents and punctuation: how everyday words are compared (memoised: an
    ingest folds the same vocabulary cells and street names hundreds of thousands of times)."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _word_index() -> dict[str, set[str]]:
    index: dict[str, set[str]] = {}
    for need in NEEDS:
        for term in (need.code, need.code.rsplit(".", 1)[-1].replace("_", " "), need.name, need.name_es,
                     *need.words, *need.words_es, *need.open_eligibility):
            index.setdefault(fold(term), set()).add(need.code)
    return index


WORD_INDEX: dict[str, set[str]] = _word_index()


def is_code(code: str) -> bool:
    return code in BY_CODE


def with_ancestors(codes: Iterable[str]) -> list[str]:
    """Every code with all its ancestors, sorted, without duplicates. Unknown codes raise."""
    return list(_with_ancestors(tuple(sorted(set(codes)))))


@lru_cache(maxsize=4096)
def _with_ancestors(codes: tuple[str, ...]) -> tuple[str, ...]:
    out: set[str] = set()
    for code in codes:
        if code not in BY_CODE:
            raise KeyError(code)
        out.update(BY_CODE[code].ancestors)
    return tuple(sorted(out))


def leaves(codes: Iterable[str]) -> list[str]:
    """Drop any code that is an ancestor of another code in the set."""
    codes = set(codes)
    return sorted(c for c in codes if not any(o != c and o.startswith(c + ".") for o in codes))


# Misspellings seen in what case managers and officers type, where edit distance alone misleads
# (short words) or reaches the wrong word.
MISSPELLINGS: dict[str, str] = {
    "methodone": "methadone", "metadone": "methadone", "methadon": "methadone", "methedone": "methadone",
    "suboxon": "suboxone", "suboxin": "suboxone", "suboxen": "suboxone", "suboxne": "suboxone",
    "subuxone": "suboxone", "detx": "detox", "dtox": "detox", "deotx": "detox",
    "narcon": "narcan", "narcam": "narcan", "narkan": "narcan", "naloxon": "naloxone", "vivatrol": "vivitrol",
    "vivitral": "vivitrol", "shelther": "shelter", "sheltor": "shelter", "rehabb": "rehab",
}


@lru_cache(maxsize=1)
def _known_words() -> tuple[str, ...]:
    """Every single word of the taxonomy's phrases, for correcting a typed word."""
    return tuple(sorted({w for phrase in WORD_INDEX for w in phrase.split() if len(w) >= 4}))


def correct(folded: str) -> str:
    """Typed words corrected: the curated misspellings, then the closest taxonomy word when a word of
    five letters or more is one or two edits from it ('methadon' -> 'methadone')."""
    words = []
    known = set(_known_words())
    for word in folded.split():
        word = MISSPELLINGS.get(word, word)
        if len(word) >= 5 and word not in known:
            close = difflib.get_close_matches(word, _known_words(), n=1, cutoff=0.8)
            word = close[0] if close else word
        words.append(word)
    return " ".join(words)


def resolve(term: str) -> list[str]:
    """Need codes for a code, an everyday word or a Spanish term (misspellings corrected); [] when
    nothing matches.

    Longer phrases win: every known phrase found inside the folded term contributes its codes,
    and phrases contained in a longer matching phrase are ignored.
    """
    if term in BY_CODE:
        return [term]
    folded = fold(term)
    if not folded:
        return []
    if folded in WORD_INDEX:
        return sorted(WORD_INDEX[folded])
    folded = correct(folded)
    if folded in WORD_INDEX:
        return sorted(WORD_INDEX[folded])
    padded = f" {folded} "
    hits = [p for p in WORD_INDEX if f" {p} " in padded]
    hits = [p for p in hits if not any(p != q and f" {p} " in f" {q} " for q in hits)]
    return sorted({c for p in hits for c in WORD_INDEX[p]})


def expansion_terms(codes: Iterable[str]) -> list[str]:
    """Everyday and Spanish words for these needs and their descendants, for text queries."""
    return list(_expansion_terms(tuple(sorted(set(codes)))))


@lru_cache(maxsize=4096)
def _expansion_terms(codes: tuple[str, ...]) -> tuple[str, ...]:
    words: set[str] = set()
    for need in NEEDS:
        if any(need.code == c or need.code.startswith(c + ".") for c in codes):
            words.update((need.name, need.name_es, *need.words, *need.words_es))
    return tuple(sorted(words))


def offered_words(codes: Iterable[str]) -> list[str]:
    """Everyday and Spanish words for what a listing offers: its needs and their ancestors (a detox
    program is a substance use program), never their descendants (a facility coded only "substance use"
    is not described as a detox)."""
    words: set[str] = set()
    for code in with_ancestors(codes):
        need = BY_CODE[code]
        words.update((need.name, need.name_es, *need.words, *need.words_es))
    return sorted(words)


@lru_cache(maxsize=256)
def own_name_words(code: str) -> tuple[str, ...]:
    """Single words that name this need and not its ancestors ("outpatient", "counseling" for outpatient
    substance use treatment; not "drug" or "substance"), for telling a program named for the need."""
    need = BY_CODE[code]
    inherited = {w for a in need.ancestors[:-1] for t in (BY_CODE[a].name, *BY_CODE[a].words) for w in fold(t).split()}
    own = {w for t in need.words for w in fold(t).split()}
    return tuple(sorted(w for w in own - inherited if len(w) > 3))


def open_eligibility_to_codes(term: str) -> list[str]:
    """Map an Open Eligibility / HSDS taxonomy term name onto our need codes."""
    folded = fold(term)
    return sorted({n.code for n in NEEDS if folded in (fold(t) for t in n.open_eligibility)})


def as_tree() -> list[dict]:
    """The taxonomy as nested dicts, for the API."""
    def node(need: Need) -> dict:
        children = [node(c) for c in NEEDS if c.parent == need.code]
        return {"code": need.code, "name": need.name, "name_es": need.name_es,
                "words": list(need.words), "words_es": list(need.words_es),
                "open_eligibility": list(need.open_eligibility), "children": children}
    return [node(BY_CODE[c]) for c in TOP_LEVEL]

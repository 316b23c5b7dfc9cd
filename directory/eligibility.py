"""Eligibility, declared once: every dimension a placement can turn on, as one row of ``DIMENSIONS``.

A row says which participant fact it reads, which listing field it compares with, how "not stated"
is told apart from a stated value, what kind of rule it is, and what to say in English and Spanish
when the listing states the rule and the participant meets it (a reason) or when it is not stated
(a caution). Everything else reads this table: the record schema and the search mapping
(``directory.model``, ``directory.documents``), the provider spreadsheet columns and edit schema,
the match request schema, the query builder and the explanation (``matching``), and the evaluation's
independent eligibility check (``definitely_ineligible`` here). Adding a dimension is one new row
plus the data that fills it.

Eligibility is three-valued: a listing value of ``None`` means *not stated* and never excludes; only
a stated value the participant definitely does not meet does.

Kinds of rule, each a class of ``directory.rule_kinds`` (L = the listing's value, P = the participant's):
- ``range``: L = (minimum, maximum) ages; P outside is ineligible.
- ``member``: L = the values served (genders, medications accepted); P not among them is ineligible.
- ``overlap``: L = the values accepted (insurance); P's values (widened by ``accepts``) must meet one.
- ``excludes``: L = the exclusions (offences); any of P's among them is ineligible.
- ``requires``: L = True when the program requires something; P equal to ``fails_when`` is ineligible.
- ``only_for``: L = True when the program serves only people with a trait; P not True is ineligible.
- ``area``: L = the towns served; P = the participant's town (from the location) outside is ineligible.

A participant fact whose name starts with ``_`` is derived, never asked (``participant_facts``): the
town from the location, and "pregnant or parenting" from the two questions that ask each.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

from directory import taxonomy
from directory import vocabulary as V
from directory.rule_kinds import AREA, EXCLUDES, MEMBER, ONLY_FOR, OVERLAP, RANGE, REQUIRES, Kind


@dataclass(frozen=True)
class Text:
    en: str
    es: str

    def __call__(self, lang: str = "en", **values: Any) -> str:
        return (self.es if lang == "es" else self.en).format(**values)


@dataclass(frozen=True)
class Dimension:
    name: str
    # The kind of rule (``directory.rule_kinds``): how it reads, compares, filters, explains and is asked.
    kind: Kind
    # The participant fact (a field of the match request); None for ``area`` (read from the location).
    profile_field: str | None
    # Record paths (``range``: minimum and maximum) and the provider spreadsheet / edit API names.
    listing_paths: tuple[str, ...]
    columns: tuple[str, ...]
    # The search document field (a list dimension also stores ``<doc_field>_known``).
    doc_field: str
    label: Text
    reason: Text  # the participant meets what the listing states; may use {values} or {lo}/{hi}
    caution: Text | None = None  # the listing does not state it
    notice: Text | None = None  # the listing states a restriction worth showing to anyone
    vocabulary: V.Vocabulary | None = None
    # Need-code prefixes for which the caution matters (empty: every need).
    applies_to: tuple[str, ...] = ()
    fails_when: Any = None  # ``requires``: the participant value that fails the requirement
    accepts: Callable[[list[str]], list[str]] | None = None  # ``overlap``: listing values serving P
    profile_description: str = ""
    # The participant-side question on the case manager's form (English, Spanish).
    question: Text | None = None
    # Who a program is for (ages, genders, "only for" groups), as opposed to what it asks of anyone:
    # a sibling program stating one of these differently serves another group (``ingest.sites``).
    who_it_serves: bool = False
    # A program meant for this group ranks higher for someone in it (``matching.query.own_group``).
    own_group: bool = False
    # A filter of the directory browse (``GET /services``), besides the match.
    browse: bool = False
    # Short eligibility values that state the rule, folded ("veterans only"), as HSDS 1.x eligibility
    # tables and Ohana's eligibility column give them.
    phrases: tuple[str, ...] = ()
    # A regular expression over a folded listing name that says the rule holds ("correctional"):
    # ``ingest.classify`` infers it from the name when no source states it.
    named_by: str | None = None

    # ----- reading a listing ---------------------------------------------------------------------
    @property
    def is_list(self) -> bool:
        return self.kind.is_list

    @property
    def known_field(self) -> str:
        return f"{self.doc_field}_known"

    def record_value(self, record: dict) -> Any:
        """The listing's value in a validated record: None when not stated."""
        return self.kind.record_value(self, record)

    def doc_value(self, doc: dict) -> Any:
        """The listing's value in a search document: None when not stated."""
        return self.kind.doc_value(self, doc)

    def document_fields(self, record: dict) -> dict[str, Any]:
        """The search document fields for one record (paths relative to the document root)."""
        return self.kind.document_fields(self, self.record_value(record))

    # ----- the rule ------------------------------------------------------------------------------
    def asked(self, facts: dict[str, Any]) -> bool:
        """Whether this participant's facts bring this dimension into play."""
        return self.kind.asked(self, facts)

    def participant(self, facts: dict[str, Any]) -> Any:
        return facts.get(self.profile_field or "_town")

    def accepted(self, p: Any) -> list[str]:
        """``overlap``: the listing values that serve this participant."""
        return self.accepts(list(p)) if self.accepts else list(p)

    def evaluate(self, listing: Any, facts: dict[str, Any]) -> str | None:
        """'met', 'unmet' or 'unknown' for this listing value and participant; None when not in play.

        ``only_for`` and ``requires`` with nothing restrictive stated are not in play either: there is
        nothing to confirm or warn about.
        """
        if not self.asked(facts):
            return None
        return self.kind.evaluate(self, listing, self.participant(facts))

    def clauses(self, facts: dict[str, Any]) -> tuple[dict | None, dict | None]:
        """(filter, must_not) engine clauses excluding exactly the listings that cannot serve these facts."""
        return self.kind.rule(self, self.participant(facts))

    def confirmed_clause(self, facts: dict[str, Any]) -> dict | None:
        """The engine clause for listings that state this dimension and serve these facts."""
        return self.kind.confirmed(self, self.participant(facts))

    def applies(self, needs: Iterable[str]) -> bool:
        """Whether the caution matters for a listing offering these (leaf) needs."""
        return not self.applies_to or any(n == a or n.startswith(a + ".") for n in needs for a in self.applies_to)

    def reason_text(self, listing: Any, facts: dict[str, Any], lang: str = "en") -> str:
        return self.kind.reason_text(self, listing, self.participant(facts), lang)

    def caution_text(self, facts: dict[str, Any], lang: str = "en") -> str | None:
        if not self.caution:
            return None
        p = self.participant(facts)
        values = self.vocabulary.label(p, lang) if self.vocabulary and isinstance(p, str) else ""
        return self.caution(lang, values=values)

    def notice_text(self, value: Any, where: str, lang: str = "en") -> str | None:
        """The row's notice when the listing states the restriction and the kind shows it ``where``
        ("serves": who it serves; "cautions": a result's cautions)."""
        if self.notice and self.kind.notice_in == where and value is True:
            return self.notice(lang)
        return None


def accepted_insurance(insurance: list[str]) -> list[str]:
    """Listing insurance values that serve a participant with this coverage: free serves everyone;
    a participant without insurance is also served on a sliding fee or by state funding."""
    accepted = set(insurance) | {"uninsured"}
    if not insurance or "uninsured" in insurance:
        accepted |= {"sliding_fee", "state_funded"}
    return sorted(accepted)


HOUSING = ("housing",)
MOUD_NEEDS = taxonomy.group("moud_questioned").codes

DIMENSIONS: tuple[Dimension, ...] = (
    Dimension(
        "age", RANGE, "age", ("service.minimum_age", "service.maximum_age"), ("min_age", "max_age"), "age",
        label=Text("Ages served", "Edades atendidas"),
        reason=Text("Serves ages {span}", "Atiende edades {span}"),
        caution=Text("Age limits not stated", "No indica límites de edad"),
        profile_description="Age in years",
        question=Text("Age", "Edad"),
        who_it_serves=True, browse=True),
    Dimension(
        "gender", MEMBER, "gender", ("eligibility.genders",), ("genders",), "eligibility.genders",
        vocabulary=V.GENDERS,
        label=Text("Genders served", "Géneros atendidos"),
        reason=Text("Serves {values}", "Atiende a {values}"),
        caution=Text("Genders served not stated", "No indica a qué géneros atiende"),
        profile_description="Gender",
        question=Text("Gender", "Género"),
        who_it_serves=True, browse=True),
    Dimension(
        "insurance", OVERLAP, "insurance", ("eligibility.insurance",), ("insurance",), "eligibility.insurance",
        vocabulary=V.INSURANCE, accepts=accepted_insurance,
        label=Text("Insurance accepted", "Seguros aceptados"),
        reason=Text("Accepts {values}", "Acepta {values}"),
        caution=Text("Insurance accepted not stated", "No indica qué seguros acepta"),
        profile_description="Coverage the participant has (uninsured: none)",
        question=Text("Insurance", "Seguro médico"),
        browse=True),
    Dimension(
        "moud", MEMBER, "moud", ("eligibility.moud_accepted",), ("moud_accepted",), "eligibility.moud_accepted",
        vocabulary=V.MOUD, applies_to=MOUD_NEEDS,
        label=Text("Medication for opioid use disorder accepted", "Acepta medicación para el trastorno por opioides"),
        reason=Text("Accepts people on {values}", "Acepta a personas en tratamiento con {values}"),
        caution=Text("Not stated whether people on {values} are accepted",
                     "No indica si acepta a personas en tratamiento con {values}"),
        profile_description="Medication for opioid use disorder the participant is on",
        question=Text("Medication for opioid use disorder", "Medicación para el trastorno por consumo de opioides"),
        browse=True),
    Dimension(
        "sobriety", REQUIRES, "currently_using", ("eligibility.sobriety_required",), ("sobriety_required",),
        "eligibility.sobriety_required", fails_when=True, applies_to=HOUSING + ("substance_use.residential",),
        label=Text("Sobriety required", "Requiere sobriedad"),
        reason=Text("No sobriety requirement", "No exige sobriedad"),
        caution=Text("Sobriety requirement not stated", "No indica si exige sobriedad"),
        notice=Text("Requires sobriety", "Exige sobriedad"),
        profile_description="True excludes programs that require sobriety",
        question=Text("Still using drugs or alcohol?", "¿Sigue consumiendo drogas o alcohol?")),
    Dimension(
        "offences", EXCLUDES, "offences", ("eligibility.offence_exclusions",), ("offence_exclusions",),
        "eligibility.offence_exclusions", vocabulary=V.OFFENCES, applies_to=HOUSING,
        label=Text("Offence exclusions", "Exclusiones por delitos"),
        reason=Text("Offence exclusions stated; none apply", "Indica exclusiones por delitos; ninguna aplica"),
        caution=Text("Offence exclusions not stated", "No indica exclusiones por delitos"),
        profile_description="Offence categories that may exclude the participant",
        question=Text("Record that some housing excludes", "Antecedentes que algunas viviendas excluyen")),
    Dimension(
        "veterans", ONLY_FOR, "veteran", ("eligibility.veterans_only",), ("veterans_only",),
        "eligibility.veterans_only",
        label=Text("Veterans only", "Solo veteranos"),
        reason=Text("Serves veterans", "Atiende a veteranos"),
        notice=Text("Veterans only", "Solo para veteranos"),
        profile_description="The participant is a veteran",
        question=Text("Veteran?", "¿Es veterano o veterana?"),
        who_it_serves=True, own_group=True, phrases=("veterans", "veteran", "veterans only"),
        named_by=r"\bva\b|veterans affairs|veterans administration|veteran'?s health|\bvamc\b|va medical"),
    Dimension(
        "pregnant", ONLY_FOR, "pregnant", ("eligibility.pregnant_only",), ("pregnant_only",),
        "eligibility.pregnant_only",
        label=Text("Pregnant women only (prenatal)", "Solo mujeres embarazadas (prenatal)"),
        reason=Text("Serves pregnant women", "Atiende a mujeres embarazadas"),
        notice=Text("Pregnant women only", "Solo para mujeres embarazadas"),
        profile_description="The participant is pregnant",
        question=Text("Pregnant?", "¿Está embarazada?"),
        who_it_serves=True, own_group=True, phrases=("pregnant women", "pregnant women only", "prenatal")),
    Dimension(
        "parenting", ONLY_FOR, "parenting", ("eligibility.parenting_only",), ("parenting_only",),
        "eligibility.parenting_only",
        label=Text("Parents with their children only", "Solo padres o madres con sus hijos"),
        reason=Text("Serves parents with their children", "Atiende a padres o madres con sus hijos"),
        notice=Text("Parents with their children only", "Solo para padres o madres con sus hijos"),
        profile_description="The participant is parenting young children (who live with them or would come along)",
        question=Text("Parenting young children?", "¿Cría a hijos pequeños?"),
        who_it_serves=True, own_group=True,
        phrases=("parents with children", "families with children", "parenting")),
    Dimension(
        # Programs for pregnant *and* parenting women (women and children's residential treatment) take
        # either: read from the two questions above, never asked on its own.
        "pregnant_parenting", ONLY_FOR, "_pregnant_or_parenting", ("eligibility.pregnant_parenting_only",),
        ("pregnant_parenting_only",), "eligibility.pregnant_parenting_only",
        label=Text("Pregnant or parenting women only", "Solo mujeres embarazadas o con hijos"),
        reason=Text("Serves pregnant and parenting women", "Atiende a mujeres embarazadas o con hijos"),
        notice=Text("Pregnant or parenting women only", "Solo para mujeres embarazadas o con hijos"),
        profile_description="Derived: the participant is pregnant or parenting",
        who_it_serves=True, own_group=True,
        phrases=("pregnant and parenting women", "pregnant or parenting women", "women with children",
                 "mothers with children")),
    Dimension(
        "homeless", ONLY_FOR, "homeless", ("eligibility.homeless_only",), ("homeless_only",),
        "eligibility.homeless_only",
        label=Text("People experiencing homelessness only", "Solo personas sin hogar"),
        reason=Text("Serves people experiencing homelessness", "Atiende a personas sin hogar"),
        notice=Text("For people experiencing homelessness (shelter guests)", "Para personas sin hogar (huéspedes del refugio)"),
        profile_description="The participant is homeless or staying in a shelter",
        question=Text("Homeless or staying in a shelter?", "¿Sin hogar o en un refugio?"),
        who_it_serves=True),
    Dimension(
        "students", ONLY_FOR, "enrolled_student", ("eligibility.students_only",), ("students_only",),
        "eligibility.students_only",
        label=Text("Enrolled students only (school-based)", "Solo estudiantes inscritos (en la escuela)"),
        reason=Text("Serves its enrolled students", "Atiende a sus estudiantes inscritos"),
        notice=Text("Enrolled students only", "Solo estudiantes inscritos"),
        profile_description="The participant is enrolled at the school the program serves",
        question=Text("Enrolled at a school with a school-based clinic?", "¿Inscrito en una escuela con clínica escolar?"),
        who_it_serves=True),
    Dimension(
        "custody", ONLY_FOR, "in_custody", ("eligibility.custody_only",), ("custody_only",),
        "eligibility.custody_only",
        label=Text("People in custody only (correctional facility)", "Solo personas bajo custodia (centro penitenciario)"),
        reason=Text("Serves people in custody", "Atiende a personas bajo custodia"),
        notice=Text("People in custody only", "Solo personas bajo custodia"),
        # No question on the form: a LEAD participant is, by definition, not in custody.
        profile_description="The participant is in custody (a LEAD participant is not)",
        who_it_serves=True, named_by=r"correctional|\bprison\b|\bjail\b|detention center"),
    Dimension(
        # Programs funded for people under supervision (Connecticut's Judicial Branch probation, the
        # Department of Correction's parole), who come on their officer's referral.
        "supervision", ONLY_FOR, "on_supervision", ("eligibility.supervision_only",), ("supervision_only",),
        "eligibility.supervision_only",
        label=Text("People on probation or parole only (referred by their officer)",
                   "Solo personas en libertad condicional o bajo palabra (derivadas por su oficial)"),
        reason=Text("Serves people on probation or parole", "Atiende a personas en libertad condicional o bajo palabra"),
        notice=Text("People on probation or parole only", "Solo para personas en libertad condicional o bajo palabra"),
        profile_description="The participant is on probation or parole",
        question=Text("On probation or parole?", "¿Está en libertad condicional o bajo palabra?"),
        who_it_serves=True, own_group=True,
        phrases=("probation", "parole", "probation or parole", "probation and parole", "on probation or parole",
                 "probationers", "parolees"),
        named_by=r"\bprobation\b|\bparole\b|alternatives? in the community|alternatives? to incarceration"),
    Dimension(
        "id", REQUIRES, "has_id", ("eligibility.id_required",), ("id_required",), "eligibility.id_required",
        fails_when=False,
        label=Text("Photo ID required", "Requiere identificación con foto"),
        reason=Text("No photo ID needed", "No hace falta identificación con foto"),
        caution=Text("Not stated whether ID is required", "No indica si pide identificación"),
        notice=Text("Photo ID required", "Pide identificación con foto"),
        profile_description="False excludes programs that require photo ID",
        question=Text("Has a photo ID?", "¿Tiene identificación con foto?")),
    Dimension(
        "service_area", AREA, None, ("eligibility.service_area_towns",), ("service_area_towns",),
        "eligibility.service_area_towns",
        label=Text("Towns served", "Municipios atendidos"),
        reason=Text("Serves residents of {values}", "Atiende a residentes de {values}"),
        profile_description="From the participant's location"),
)

BY_NAME: dict[str, Dimension] = {d.name: d for d in DIMENSIONS}
# Provider spreadsheet / edit API column -> record path, and back.
COLUMNS: dict[str, str] = {c: p for d in DIMENSIONS for c, p in zip(d.columns, d.listing_paths)}
COLUMN_OF_PATH: dict[str, str] = {p: c for c, p in COLUMNS.items()}
# Participant facts a match request may carry, with the dimension that reads each (derived ones are not).
PROFILE_FIELDS: dict[str, Dimension] = {d.profile_field: d for d in DIMENSIONS
                                        if d.profile_field and not d.profile_field.startswith("_")}
# The rows' own attributes, read wherever a list of dimensions was once written by hand.
WHO_COLUMNS: tuple[str, ...] = tuple(c for d in DIMENSIONS if d.who_it_serves for c in d.columns)
OWN_GROUPS: tuple[Dimension, ...] = tuple(d for d in DIMENSIONS if d.own_group)
BROWSE_FIELDS: dict[str, Dimension] = {d.profile_field: d for d in DIMENSIONS if d.browse and d.profile_field}
# A short eligibility value, folded -> the name of the dimension it states.
PHRASES: dict[str, str] = {phrase: d.name for d in DIMENSIONS for phrase in d.phrases}


# Derived facts that hold when any of these asked facts is True.
DERIVED_FROM: dict[str, tuple[str, ...]] = {"_pregnant_or_parenting": ("pregnant", "parenting")}


def participant_facts(facts: dict[str, Any], town: str | None = None) -> dict[str, Any]:
    """The facts a match carries, with those derived from them: ``_town`` (the service-area rule reads
    it) and each of ``DERIVED_FROM`` (``_pregnant_or_parenting``: True when either question says yes)."""
    out = dict(facts)
    if town:
        out["_town"] = town
    for derived, asked in DERIVED_FROM.items():
        if any(facts.get(a) is True for a in asked):
            out[derived] = True
    return out


def definitely_ineligible(record: dict, facts: dict[str, Any]) -> list[str]:
    """Names of the dimensions on which a listing record definitely cannot serve these facts.

    This is the evaluation's oracle: plain Python over the validated record, written apart from the
    query builder, which expresses the same table as engine filters. ``facts`` holds the participant
    fields of a match request, and ``_town`` for the participant's town.
    """
    why: list[str] = []
    facts = participant_facts(facts)
    if ((record.get("service") or {}).get("status") or "active") != "active":
        why.append("not active")
    for dim in DIMENSIONS:
        if dim.evaluate(dim.record_value(record), facts) == "unmet":
            why.append(dim.name)
    return why

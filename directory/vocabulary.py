"""Fixed vocabularies (genders, insurance, medications, offences, languages) with their everyday words.

A case manager types "HUSKY", an officer "Suboxone", a feed writes "Spanish" or "sp": each is read
as the one code the directory stores (``medicaid``, ``buprenorphine``, ``es``). A value that is
none of them is refused with the accepted codes and the nearest ones ("did you mean"), never
silently dropped. Labels are given in English and Spanish, for explanations and pages.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Iterable

from marshmallow import ValidationError, fields

from directory.taxonomy import fold


@dataclass(frozen=True)
class Term:
    code: str
    en: str
    es: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Vocabulary:
    name: str
    terms: tuple[Term, ...]
    _index: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for term in self.terms:
            for word in (term.code, term.code.replace("_", " "), term.en, term.es, *term.aliases):
                self._index.setdefault(fold(word), term.code)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(t.code for t in self.terms)

    def lookup(self, value: Any) -> str | None:
        """The code for a code or an everyday word, or None."""
        if not isinstance(value, str):
            return None
        return self._index.get(fold(value))

    def normalise(self, value: Any) -> str:
        """The code for ``value``; raises ``UnknownTerm`` with suggestions."""
        code = self.lookup(value)
        if code is None:
            raise UnknownTerm(self, value)
        return code

    def suggestions(self, value: Any, n: int = 3) -> list[str]:
        if not isinstance(value, str):
            return []
        close = difflib.get_close_matches(fold(value), list(self._index), n=n * 2, cutoff=0.6)
        return list(dict.fromkeys(self._index[c] for c in close))[:n]

    def label(self, code: str, lang: str = "en") -> str:
        for term in self.terms:
            if term.code == code:
                return term.es if lang == "es" else term.en
        return code


class ChoiceMessage(str):
    """A field's validation message that also carries, as lists, the values the field accepts and the
    accepted ones closest to what was sent. Marshmallow keeps a message object as it is in its error
    dict, so a problem+json entry is built from these lists (``api.problem``), never from the words."""

    accepted: list[str]
    did_you_mean: list[str]

    def __new__(cls, text: str, *, accepted: Iterable[str] = (), did_you_mean: Iterable[str] = ()) -> "ChoiceMessage":
        message = super().__new__(cls, text)
        message.accepted, message.did_you_mean = list(accepted), list(did_you_mean)
        return message


class UnknownTerm(ValueError):
    def __init__(self, vocabulary: Vocabulary, value: Any):
        self.vocabulary, self.value = vocabulary, value
        self.did_you_mean = vocabulary.suggestions(value)
        hint = f"; did you mean {' or '.join(repr(s) for s in self.did_you_mean)}?" if self.did_you_mean else ""
        super().__init__(f"unknown {vocabulary.name} {value!r}: accepted values are "
                         f"{', '.join(vocabulary.codes)}{hint}")


GENDERS = Vocabulary("gender", (
    Term("male", "men", "hombres", ("man", "m", "hombre", "masculino", "men only")),
    Term("female", "women", "mujeres", ("woman", "f", "mujer", "femenino", "women only")),
    Term("transgender", "transgender people", "personas transgénero", ("trans", "transgénero")),
    Term("nonbinary", "non-binary people", "personas no binarias", ("non binary", "nb", "no binario")),
))

INSURANCE = Vocabulary("insurance", (
    Term("medicaid", "Medicaid (HUSKY)", "Medicaid (HUSKY)",
         ("husky", "husky a", "husky b", "husky c", "husky d", "title 19", "title xix", "medical assistance")),
    Term("medicare", "Medicare", "Medicare", ("medicare advantage",)),
    Term("private", "private insurance", "seguro privado", ("commercial", "private insurance", "employer")),
    Term("uninsured", "free / no insurance needed", "gratis / sin seguro",
         ("none", "no insurance", "free", "self pay", "sin seguro", "gratis", "cash")),
    Term("sliding_fee", "sliding fee scale", "tarifa según ingresos", ("sliding scale", "escala movil")),
    Term("va", "VA / TRICARE", "VA / TRICARE", ("tricare", "veterans affairs", "military")),
    Term("state_funded", "state-funded (DMHAS)", "financiado por el estado (DMHAS)",
         ("dmhas", "state", "state financed", "estado")),
))

MOUD = Vocabulary("medication", (
    Term("methadone", "methadone", "metadona", ("methadose", "dolophine", "done")),
    Term("buprenorphine", "buprenorphine", "buprenorfina",
         ("suboxone", "subutex", "sublocade", "zubsolv", "brixadi", "bupe", "subs", "suboxona", "bup")),
    Term("naltrexone", "naltrexone", "naltrexona", ("vivitrol", "revia", "xr ntx")),
))

OFFENCES = Vocabulary("offence", (
    Term("sex_offense_registry", "sex offence registry", "registro de delitos sexuales",
         ("sex offender", "registry", "sex offense", "sex offence")),
    Term("arson", "arson", "incendio provocado"),
    Term("violent_felony", "violent felony", "delito grave violento", ("violent", "violence")),
    Term("drug_manufacturing", "drug manufacturing", "fabricación de drogas", ("manufacturing", "meth lab")),
    Term("open_warrant", "open warrant", "orden de arresto pendiente", ("warrant",)),
))

# ISO 639-1 codes, with the ISO 639-2/3 codes and names feeds use for them.
LANGUAGES = Vocabulary("language", (
    Term("en", "English", "inglés", ("eng", "english")),
    Term("es", "Spanish", "español", ("spa", "sp", "spanish", "castellano", "espanol")),
    Term("pt", "Portuguese", "portugués", ("por", "portugues", "brazilian portuguese")),
    Term("pl", "Polish", "polaco", ("pol", "polski")),
    Term("fr", "French", "francés", ("fra", "fre", "francais")),
    Term("ht", "Haitian Creole", "criollo haitiano", ("hat", "creole", "kreyol", "kreyòl ayisyen")),
    Term("ar", "Arabic", "árabe", ("ara",)),
    Term("zh", "Chinese", "chino", ("zho", "chi", "mandarin", "cantonese")),
    Term("vi", "Vietnamese", "vietnamita", ("vie",)),
    Term("it", "Italian", "italiano", ("ita",)),
    Term("ru", "Russian", "ruso", ("rus",)),
    Term("so", "Somali", "somalí", ("som",)),
    Term("sw", "Swahili", "suajili", ("swa",)),
    Term("ne", "Nepali", "nepalí", ("nep",)),
    Term("fa", "Farsi", "persa", ("fas", "per", "persian", "dari")),
    Term("ps", "Pashto", "pastún", ("pus",)),
    Term("bn", "Bengali", "bengalí", ("ben",)),
    Term("hi", "Hindi", "hindi", ("hin",)),
    Term("ko", "Korean", "coreano", ("kor",)),
    Term("tl", "Tagalog", "tagalo", ("tgl", "filipino", "fil")),
    Term("uk", "Ukrainian", "ucraniano", ("ukr",)),
    Term("ur", "Urdu", "urdu", ("urd",)),
    Term("sq", "Albanian", "albanés", ("sqi", "alb")),
    Term("el", "Greek", "griego", ("ell", "gre")),
    Term("ja", "Japanese", "japonés", ("jpn",)),
    Term("ase", "American Sign Language", "lengua de señas americana", ("asl", "sign language")),
))


def normalise_list(vocabulary: Vocabulary, values: Iterable[Any]) -> list[str]:
    """Codes for every value (order kept, duplicates dropped); raises ``UnknownTerm`` on the first unknown."""
    return list(dict.fromkeys(vocabulary.normalise(v) for v in values))


class Choice(fields.String):
    """A marshmallow field that takes a code or an everyday word of a vocabulary and loads the code.

    An unknown value fails with the accepted codes and the nearest ones, so a 422 can say
    "did you mean".
    """

    def __init__(self, vocabulary: Vocabulary, **kwargs: Any):
        metadata = {"description": f"One of {', '.join(vocabulary.codes)} (everyday words are accepted too)",
                    "enum": list(vocabulary.codes), **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)
        self.vocabulary = vocabulary

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return self.vocabulary.normalise(text)
        except UnknownTerm as exc:
            raise ValidationError(ChoiceMessage(str(exc), accepted=self.vocabulary.codes,
                                                did_you_mean=exc.did_you_mean)) from None


# The names readers give a service when the source names no program (a federal facility row), with
# their Spanish, so a Spanish page does not show them in English. A source's own names are shown as given.
GENERIC_SERVICE_NAMES: dict[str, str] = {
    "Substance use treatment": "Tratamiento por uso de sustancias",
    "Mental health services": "Servicios de salud mental",
    "Opioid treatment program": "Programa de tratamiento de opioides",
    "Health center site": "Sede de centro de salud",
    "Community health center": "Centro de salud comunitario",
    "Hospital emergency department": "Sala de emergencias del hospital",
    "Psychiatric hospital": "Hospital psiquiátrico",
}


# Names that say what a service is rather than name a program (the seed directory's, in sentence case), with
# their Spanish. A program's own name ("Blue Hills Substance Abuse Services") is a proper name and stays as written.
DESCRIPTIVE_SERVICE_NAMES: dict[str, str] = {
    "All-recovery meetings": "Reuniones de recuperación para todos",
    "Ambulatory detox": "Desintoxicación ambulatoria",
    "Benefits enrollment (SNAP, HUSKY)": "Inscripción en beneficios (SNAP, HUSKY)",
    "Buprenorphine induction": "Inicio de buprenorfina",
    "Bus passes and rides to appointments": "Pases de autobús y transporte a citas",
    "Co-occurring disorders clinic": "Clínica de trastornos concurrentes",
    "Criminal record and pardon clinic": "Clínica de antecedentes penales e indultos",
    "Dental clinic": "Clínica dental",
    "Food pantry": "Despensa de alimentos",
    "GED and adult education": "GED y educación para adultos",
    "HIV and hepatitis C testing": "Pruebas de VIH y hepatitis C",
    "Hot meals": "Comidas calientes",
    "Housing and benefits legal help": "Ayuda legal de vivienda y beneficios",
    "ID and birth certificate help": "Ayuda con identificación y acta de nacimiento",
    "Intensive outpatient program": "Programa ambulatorio intensivo",
    "Job placement for people with records": "Colocación laboral para personas con antecedentes",
    "Job training": "Capacitación laboral",
    "Medically monitored detox": "Desintoxicación con supervisión médica",
    "Methadone maintenance (OTP)": "Mantenimiento con metadona (OTP)",
    "Mobile crisis and walk-in crisis center": "Crisis móvil y centro de crisis sin cita",
    "Naloxone distribution": "Distribución de naloxona",
    "Outpatient mental health clinic": "Clínica ambulatoria de salud mental",
    "Outpatient substance use counseling": "Consejería ambulatoria por uso de sustancias",
    "Overnight emergency shelter": "Refugio de emergencia nocturno",
    "Peer recovery coaching": "Acompañamiento de recuperación entre pares",
    "Permanent supportive housing": "Vivienda permanente con apoyo",
    "Pharmacy": "Farmacia",
    "Primary care": "Atención primaria",
    "Psychiatric evaluation and medication": "Evaluación psiquiátrica y medicación",
    "Residential substance use treatment": "Tratamiento residencial por uso de sustancias",
    "Same-day buprenorphine (bridge clinic)": "Buprenorfina el mismo día (clínica puente)",
    "Sober living house": "Casa de vida sobria",
    "Syringe services and naloxone": "Servicios de jeringas y naloxona",
    "Transitional housing": "Vivienda de transición",
    "Veterans housing and recovery": "Vivienda y recuperación para veteranos",
    "Residential treatment for mothers with their children": "Tratamiento residencial para madres con sus hijos",
    "Recovery house for mothers and children": "Casa de recuperación para madres e hijos",
}
SPANISH_SERVICE_NAMES = {**DESCRIPTIVE_SERVICE_NAMES, **GENERIC_SERVICE_NAMES}

# What a program asks a person to bring, as sources write it, with its Spanish for the participant's copy.
DOCUMENT_NAMES: dict[str, str] = {
    "Photo ID": "Identificación con foto",
    "Proof of income": "Comprobante de ingresos",
    "Proof of address": "Comprobante de domicilio",
    "Proof of residency": "Comprobante de residencia",
    "Insurance card": "Tarjeta del seguro médico",
    "Social Security card": "Tarjeta del Seguro Social",
    "Birth certificate": "Acta de nacimiento",
    "List of medications": "Lista de medicamentos",
}


def service_name(name: str, lang: str = "en") -> str:
    """A service's name as shown: a generic or descriptive name in the page's language, a program's own
    name as given."""
    return SPANISH_SERVICE_NAMES.get(name, name) if lang == "es" else name


def document_name(name: str, lang: str = "en") -> str:
    """Something to bring ('Photo ID') in the page's language; one the table does not know, as the source wrote it."""
    return DOCUMENT_NAMES.get(name, name) if lang == "es" else name

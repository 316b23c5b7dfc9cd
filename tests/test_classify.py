"""What real Connecticut facility and program names say, read by the name classifier.

Each row: the name as the federal list writes it (organisation / program), the list's domain, and what
must be read from it. Values not in the row must stay "not stated".
"""
import pytest

from ingest.classify import classify

SU, MH, HEALTH = "substance_use", "mental_health", "health"

CASES = [
    # name, domain, expected needs (subset), expected eligibility values
    ("Rushford Center Inc / Glastonbury Adolescent Program", SU, set(), {"max_age": 17}),
    ("Wheeler Clinic Inc / Adolescent Substance Abuse Trt Program", SU, set(), {"max_age": 17}),
    ("Wheeler Clinic Inc / Adult Outpatient", SU, {"substance_use.outpatient"}, {"min_age": 18}),
    ("Asian Family Services / Outpt Clinic for Adults with Psych", SU, {"substance_use.outpatient"}, {"min_age": 18}),
    ("Yale New Haven Psychiatric Hospital / Adult Intensive Outpatient", MH,
     {"mental_health.outpatient", "mental_health.psychiatric"}, {"min_age": 18}),
    ("Yale New Haven Hospital / Childrens Day Hospital", MH, {"mental_health.psychiatric"}, {"max_age": 17}),
    ("Outpatient Clinical Services / Yale University Child Study Center", MH, {"mental_health.outpatient"},
     {"max_age": 17}),
    ("Child Guidance Center of Southern CT", MH, set(), {"max_age": 17}),
    ("Child and Family Guidance Center", SU, set(), {"max_age": 17}),
    ("Bridge Family Center/Outpatient / Psychiatric Clinic for Children/OPCC", MH, {"mental_health.outpatient"},
     {"max_age": 17}),
    ("Grove School", MH, set(), {"max_age": 17}),
    ("CONNECTICUT CHILDRENS MEDICAL CENTER", HEALTH, set(), {"max_age": 17}),
    ("InterCommunity Inc / Coventry House Mothers/Children Prog", SU, {"substance_use.residential"},
     {"genders": ["female"], "pregnant_parenting_only": True}),
    ("Connection Inc / Mothers Retreat", SU, {"substance_use.residential"},
     {"genders": ["female"], "pregnant_parenting_only": True}),
    # Pregnant and parenting are two questions: a prenatal program, one for parents with their children,
    # and one for pregnant and parenting women, which takes either.
    ("Fair Haven Community Health Care / Prenatal Care", HEALTH, set(), {"pregnant_only": True}),
    ("New Haven Family Alliance / Families with Children Program", SU, set(), {"parenting_only": True}),
    ("Connection Inc / Pregnant and Parenting Women Program", SU, set(),
     {"genders": ["female"], "pregnant_parenting_only": True}),
    ("SE Council on Alc and Drug Dep Inc / (SCADD)/Altruism House Female", SU, {"substance_use.residential"},
     {"genders": ["female"]}),
    ("SE Council on Alc and Drug Dep Inc / (SCADD)/Altruism House/Male", SU, {"substance_use.residential"},
     {"genders": ["male"]}),
    ("Midwestern Connecticut Council on / Alcoholism Inc/MCCA Womens OP", SU, {"substance_use.outpatient"},
     {"genders": ["female"]}),
    ("Midwestern Connecticut Council on / Alcoholism Inc/Trinity Glen Males", SU, set(), {"genders": ["male"]}),
    ("Youth Challenge of Connecticut Inc / Youth Challenge Mens Home", SU, {"substance_use.residential"},
     {"genders": ["male"]}),
    ("VA Healthcare Systems of Connecticut / Substance Abuse Treatment Program", SU, set(), {"veterans_only": True}),
    ("Veterans Affairs / Connecticut Healthcare System", SU, set(), {"veterans_only": True}),
    ("WEST HAVEN VA MEDICAL CENTER", HEALTH, set(), {"veterans_only": True}),
    ("Bethel High School SBHC", HEALTH, set(), {"students_only": True}),
    ("Christopher Columbus Family Academy", HEALTH, set(), {"students_only": True}),
    ("InterCommunity Healthcare / School Based Health Center", MH, set(), {"students_only": True}),
    ("COLUMBUS HOUSE SHELTER CLINIC", HEALTH, set(), {"homeless_only": True}),
    ("Friendship Service Center of New Britain", HEALTH, set(), {"homeless_only": True}),
    ("Osborn Correctional Institution / 335 Bilton Road", SU, set(), {"custody_only": True}),
    ("Healthcare Resource Centers (FKA CSAC) / Ambulatory Detox", SU, {"substance_use.withdrawal_management"}, {}),
    ("Connecticut Counseling Centers Inc / Waterbury Methadone Program Detox", SU,
     {"substance_use.opioid_treatment_program", "substance_use.withdrawal_management"}, {}),
    ("Root Center For Advanced Recovery / Hartford Dispensary/Doctors Clinic", SU,
     {"substance_use.opioid_treatment_program"}, {}),
    ("Outpatient Substance Abuse Clinic Veterans Administration Medical Center 689/90 / 950 Campbell Ave.", SU,
     {"substance_use.outpatient"}, {"veterans_only": True}),
    ("Connecticut Valley Hospital / Blue Hills Substance Services", SU,
     {"substance_use.withdrawal_management", "substance_use.residential"}, {"min_age": 18}),
    ("Connecticut Valley Hospital - Addiction Services Division - Merritt Hall / 1 Johnson Ave", SU,
     {"substance_use.withdrawal_management", "substance_use.residential"}, {"min_age": 18}),
    ("Village for Families and Children / MAT Naltrexone", SU, {"substance_use.moud_prescriber"}, {}),
    ("Recovery Network of Programs Inc / Kinsella Treatment Center MATS", SU, {"substance_use.moud_prescriber"}, {}),
    ("Griffin Hospital / Dual Diagnosis Services", SU, {"mental_health.co_occurring"}, {}),
    ("Rushford Center Inc / MISA OP", SU, {"mental_health.co_occurring", "substance_use.outpatient"}, {}),
    ("MCCA / McDonough House/Intensive Residential", SU, {"substance_use.residential"}, {}),
    ("Wheeler Clinic Inc / Intensive Outpatient/Evening", SU, {"substance_use.intensive_outpatient"}, {}),
    ("Community Renewal Team / HIV Testing and Prevention Services", SU, {"healthcare.hiv_hepatitis"}, {}),
    ("Bridgeport Hospital / Behavioral Health Services WT9/NE8", MH, {"mental_health.psychiatric"}, {}),
    ("Bridgeport Hospital REACH / IOP Services", MH, {"mental_health.psychiatric", "mental_health.outpatient"}, {}),
    ("Natchaug Hospital Inc", MH, {"mental_health.psychiatric"}, {}),
    ("Western CT Mental Health Network / Waterbury Area", MH, {"mental_health.crisis"}, {"min_age": 18}),  # a DMHAS LMHA
    ("Connecticut Mental Health Center / West Haven Mental Health Clinic", MH, {"mental_health.crisis"}, {"min_age": 18}),
    ("Connecticut Mental Health Center / Hispanic Clinic of the CMHC", SU, set(), {"min_age": 18}),
]
# Names that say nothing about who is served, though they look as if they might.
NOT_RESTRICTIONS = [
    ("Family and Childrens Agency Inc / Project Reward", SU),
    ("Village for Families and Children / STR E MAT", SU),
    ("REACH Adult and Youth Services", SU),
    ("AHM Youth And Family Services Inc", SU),
    ("Newport Academy", SU),  # a treatment program's name, not a school clinic
    ("Lower Naugatuck Valley / Parent and Child Resource Center", MH),
    ("Community Health Resources / Bloomfield Clinic", SU),
]


@pytest.mark.parametrize("name,domain,needs,values", CASES, ids=[c[0][:48] for c in CASES])
def test_real_names_say_who_is_served(name, domain, needs, values):
    got = classify(name, domain=domain, school_list=domain == HEALTH)
    assert needs <= got.needs, got.needs
    for column, value in values.items():
        assert got.values.get(column) == value, (column, got.values)
        assert got.origin[column].startswith("from the name")


@pytest.mark.parametrize("name,domain", NOT_RESTRICTIONS, ids=[n[0][:48] for n in NOT_RESTRICTIONS])
def test_names_that_restrict_no_one(name, domain):
    got = classify(name, domain=domain, school_list=domain == HEALTH)
    restrictive = {k: v for k, v in got.values.items() if k in ("min_age", "max_age", "genders", "students_only",
                                                                "veterans_only", "custody_only", "homeless_only")}
    assert restrictive == {}, restrictive


def test_spanish_named_programs_have_spanish_speaking_staff():
    assert classify("Catholic Charities Inc / Hispanic Alcohol Program Hartford", domain=SU).languages == {"es"}


def test_a_day_hospital_is_psychiatric_care_not_an_outpatient_clinic():
    got = classify("Natchaug Hospital Inc / River East Day Hospital and Trt Center", domain=MH)
    assert "mental_health.psychiatric" in got.needs and "mental_health.outpatient" not in got.needs


def test_a_clinic_that_is_a_methadone_program_is_not_general_outpatient():
    got = classify("Root Center for Advanced Recovery / Hartford Dispensary/Bristol Clinic", domain=SU)
    assert "substance_use.outpatient" not in got.needs


def test_short_eligibility_values_ask_pregnant_and_parenting_apart():
    from ingest.readers.hsds_fields import eligibility_from_text

    assert eligibility_from_text(["Pregnant women"])[0] == {"pregnant": True}
    assert eligibility_from_text(["Families with children"])[0] == {"parenting": True}
    assert eligibility_from_text(["Pregnant and parenting women"])[0] == {"pregnant_parenting": True}
    assert eligibility_from_text(["Pregnant women may be served first, call us"])[0] == {}  # a sentence says nothing

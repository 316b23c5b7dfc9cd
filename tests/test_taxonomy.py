import pytest

from directory import taxonomy


def test_everyday_and_spanish_words_resolve_to_codes():
    assert taxonomy.resolve("detox") == ["substance_use.withdrawal_management"]
    assert taxonomy.resolve("Desintoxicación") == ["substance_use.withdrawal_management"]
    assert taxonomy.resolve("sober house") == ["housing.recovery_residence"]
    assert taxonomy.resolve("Suboxone") == ["substance_use.moud_prescriber"]
    assert "housing" in taxonomy.resolve("vivienda")
    assert taxonomy.resolve("narcan") == ["substance_use.harm_reduction.naloxone"]


def test_codes_resolve_to_themselves_and_unknown_words_to_nothing():
    assert taxonomy.resolve("mental_health.crisis") == ["mental_health.crisis"]
    assert taxonomy.resolve("zzz quux") == []


def test_phrases_inside_longer_text():
    assert taxonomy.resolve("need a detox bed tonight") == ["housing.emergency_shelter",
                                                            "substance_use.withdrawal_management"]


def test_ancestors_are_stored_with_leaves():
    assert taxonomy.with_ancestors(["substance_use.harm_reduction.naloxone"]) == [
        "substance_use", "substance_use.harm_reduction", "substance_use.harm_reduction.naloxone"]
    assert taxonomy.leaves(["housing", "housing.emergency_shelter"]) == ["housing.emergency_shelter"]


def test_open_eligibility_terms_map():
    assert taxonomy.open_eligibility_to_codes("Emergency Shelter") == ["housing.emergency_shelter"]


def test_every_top_level_need_of_the_issue_exists():
    assert set(taxonomy.TOP_LEVEL) == {"housing", "healthcare", "substance_use", "mental_health", "employment",
                                       "basic_needs", "legal_aid"}
    tree = taxonomy.as_tree()
    assert sum(len(n["children"]) for n in tree) >= 25


def test_a_listing_is_described_by_its_needs_and_their_ancestors_never_their_descendants():
    # An outpatient program is a substance use program ("alcohol" finds it) ...
    words = set(taxonomy.offered_words(["substance_use.outpatient"]))
    assert {"alcohol", "outpatient", "drug counseling"} <= words
    # ... and a facility coded only "substance use" is not described as a detox or a methadone clinic.
    general = set(taxonomy.offered_words(["substance_use"]))
    assert "alcohol" in general and not {"detox", "methadone", "residential"} & general


def test_a_program_named_for_a_need_uses_words_the_parent_need_does_not_have():
    # "Substance use treatment" (a placeholder name) is not an outpatient program by name.
    assert set(taxonomy.own_name_words("substance_use.outpatient")) == {"counseling", "outpatient"}
    assert "detox" in taxonomy.own_name_words("substance_use.withdrawal_management")
    assert "treatment" not in taxonomy.own_name_words("substance_use.opioid_treatment_program")


def test_a_readers_generic_service_name_reads_in_spanish_and_a_sources_own_name_does_not_change():
    from directory.vocabulary import GENERIC_SERVICE_NAMES, service_name
    from ingest.readers import federal
    import inspect
    source = inspect.getsource(federal)
    assert all(f'"{name}"' in source for name in GENERIC_SERVICE_NAMES)  # the names the readers give
    assert service_name("Substance use treatment", "es") == "Tratamiento por uso de sustancias"
    assert service_name("Substance use treatment", "en") == "Substance use treatment"
    assert service_name("Hartford Outpatient", "es") == "Hartford Outpatient"


def test_every_seed_service_name_and_thing_to_bring_reads_in_spanish():
    """The seed's service names say what a service is ('Overnight emergency shelter'): a Spanish page shows
    them in Spanish, like the documents a program asks for."""
    import csv

    from directory.vocabulary import document_name, service_name
    from tests.conftest import ROOT
    rows = [r for f in sorted((ROOT / "seed_data").glob("*.csv"))
            for r in csv.DictReader(f.read_text(encoding="utf-8").splitlines())]
    untranslated = sorted({r["service_name"] for r in rows if service_name(r["service_name"], "es") == r["service_name"]})
    assert not untranslated, untranslated
    documents = {d for r in rows for d in (r.get("required_documents") or "").split(";") if d}
    assert documents and all(document_name(d, "es") != d for d in documents), documents
    assert document_name("Photo ID", "en") == "Photo ID" and document_name("A letter from your doctor", "es") == \
        "A letter from your doctor"


def test_need_groups_name_real_codes_and_every_list_names_real_groups():
    for group in taxonomy.GROUPS:
        assert group.codes and all(taxonomy.is_code(c) for c in group.codes), group.name
        assert group.label and group.label_es, group.name
    for name, members in taxonomy.LISTS.items():
        assert len(set(members)) == len(members), name
        assert [g.name for g in taxonomy.groups(name)] == list(members)
    # Every officer button is a nearby group, and the two rows of buttons do not repeat one another.
    buttons = [g.name for g in taxonomy.groups("quick_buttons") + taxonomy.groups("more_buttons")]
    assert sorted(buttons) == sorted(taxonomy.LISTS["nearby"])


def test_a_group_is_read_by_name_and_an_unknown_name_fails():
    assert taxonomy.group("detox").codes == ("substance_use.withdrawal_management",)
    assert taxonomy.group("shelter").title_in("es") == "Refugio de emergencia"
    assert taxonomy.group("shelter").label_in("es") == "Refugio"
    with pytest.raises(KeyError):
        taxonomy.group("no such group")

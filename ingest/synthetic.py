"""A generator of fictional but realistic directories, in the provider spreadsheet format.

``seed_data/`` is written by it for Greater Hartford and Greater New Haven (``lead seed
generate``), and the benchmark uses it for statewide directories of any size with the same
distributions. Everything it writes is marked as sample data. Phone numbers use the 555-01xx
range reserved for fiction.
"""
from __future__ import annotations

import csv
import io
import itertools
import random
from dataclasses import dataclass
from typing import Iterator

from directory.places import data_rows
from ingest.readers.provider_csv import COLUMNS

# Real ZIPs and real streets of the seed towns (area code, town, ZIP, streets).
SEED_PLACES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("860", "Hartford", "06103", ("Main Street", "Asylum Street", "Pearl Street", "Trumbull Street")),
    ("860", "Hartford", "06105", ("Farmington Avenue", "Asylum Avenue", "Sigourney Street", "Woodland Street")),
    ("860", "Hartford", "06106", ("Park Street", "Broad Street", "Washington Street", "Capitol Avenue",
                                   "Zion Street", "Wadsworth Street")),
    ("860", "Hartford", "06112", ("Albany Avenue", "Blue Hills Avenue", "Homestead Avenue", "Garden Street")),
    ("860", "Hartford", "06114", ("Franklin Avenue", "Wethersfield Avenue", "Maple Avenue", "Airport Road")),
    ("860", "Hartford", "06120", ("Main Street", "Windsor Street", "Barbour Street", "Clark Street")),
    ("860", "East Hartford", "06108", ("Main Street", "Burnside Avenue", "Connecticut Boulevard", "Silver Lane")),
    ("860", "West Hartford", "06110", ("New Britain Avenue", "Oakwood Avenue", "South Street")),
    ("860", "Wethersfield", "06109", ("Silas Deane Highway", "Berlin Turnpike", "Wolcott Hill Road")),
    ("860", "Bloomfield", "06002", ("Park Avenue", "Blue Hills Avenue", "Tunxis Avenue")),
    ("860", "Manchester", "06040", ("Main Street", "Center Street", "Spruce Street")),
    ("860", "New Britain", "06051", ("Main Street", "Arch Street", "Broad Street", "Stanley Street")),
    ("203", "New Haven", "06510", ("Chapel Street", "Church Street", "Elm Street", "Orange Street", "State Street")),
    ("203", "New Haven", "06511", ("Whalley Avenue", "Dixwell Avenue", "Goffe Street", "Winchester Avenue")),
    ("203", "New Haven", "06513", ("Grand Avenue", "Ferry Street", "Lombard Street", "Blatchley Avenue")),
    ("203", "New Haven", "06515", ("Whalley Avenue", "Fountain Street", "Emerson Street")),
    ("203", "New Haven", "06519", ("Congress Avenue", "Howard Avenue", "Davenport Avenue", "Columbus Avenue",
                                   "Kimberly Avenue")),
    ("203", "West Haven", "06516", ("Campbell Avenue", "Elm Street", "Main Street", "Savin Avenue")),
    ("203", "Hamden", "06517", ("Dixwell Avenue", "Whitney Avenue", "Putnam Avenue")),
    ("203", "Hamden", "06514", ("Dixwell Avenue", "Shepard Avenue", "Skiff Street")),
    ("203", "East Haven", "06512", ("Main Street", "Hemingway Avenue", "Forbes Place")),
)
# Heavier weight on the two cities, where LEAD programs divert most people.
SEED_WEIGHTS = {"Hartford": 5, "New Haven": 5, "East Hartford": 2, "New Britain": 2, "West Haven": 2}

NAME_PARTS = ("Capitol", "Charter Oak", "Elm City", "Riverfront", "Quinnipiac", "Asylum Hill", "Frog Hollow",
              "Fair Street", "Dixwell", "Park Street", "Trinity", "Bushnell", "Coltsville", "Long Wharf",
              "East Rock", "West River", "Mill River", "Union Station", "Wooster", "Pope Park", "Keney Park",
              "Bulkeley", "Founders", "Oak Hill", "Harbor", "Crown Street", "Saint Anne's", "Mercy Bridge",
              "Open Door", "New Roads", "Second Chance", "Common Ground", "Beacon", "Lighthouse", "Bridgeway",
              "Pathways", "Cornerstone", "Hope Street", "Three Rivers", "Silver Lane")


@dataclass(frozen=True)
class Kind:
    """A kind of program: its services and how its eligibility and capacity are distributed."""
    org_suffix: str
    services: tuple[tuple[str, str], ...]  # (service name, need codes)
    hours: tuple[str, ...]
    capacity_unit: str | None = None
    capacity_range: tuple[int, int] = (0, 0)
    weight: int = 1


KINDS: tuple[Kind, ...] = (
    Kind("Emergency Shelter", (("Overnight emergency shelter", "housing.emergency_shelter"),),
         ("Mo-Su 17:00-08:00", "24/7", "Mo-Su 19:00-07:00"), "beds", (20, 120), 4),
    Kind("Withdrawal Management Center", (("Medically monitored detox", "substance_use.withdrawal_management"),
                                          ("Ambulatory detox", "substance_use.withdrawal_management")),
         ("24/7",), "beds", (12, 40), 3),
    Kind("Recovery Residence", (("Residential substance use treatment", "substance_use.residential"),),
         ("24/7",), "beds", (16, 60), 3),
    Kind("Counseling Services", (("Outpatient substance use counseling", "substance_use.outpatient"),
                                  ("Intensive outpatient program", "substance_use.intensive_outpatient"),
                                  ("Co-occurring disorders clinic", "mental_health.co_occurring")),
         ("Mo-Fr 08:00-20:00; Sa 09:00-13:00", "Mo-Th 08:00-19:00; Fr 08:00-17:00", "Mo-Fr 09:00-17:00"),
         "slots", (10, 40), 4),
    Kind("Methadone Clinic", (("Methadone maintenance (OTP)", "substance_use.opioid_treatment_program"),
                              ("Buprenorphine induction", "substance_use.moud_prescriber")),
         ("Mo-Fr 05:30-14:00; Sa 06:00-10:00; Su 07:00-09:00", "Mo-Fr 06:00-13:30; Sa-Su 07:00-10:00"),
         "slots", (40, 200), 2),
    Kind("Bridge Clinic", (("Same-day buprenorphine (bridge clinic)", "substance_use.moud_prescriber"),),
         ("Mo-Fr 08:00-16:00", "Mo-Fr 10:00-18:00; Sa 10:00-14:00"), "slots", (5, 20), 2),
    Kind("Harm Reduction", (("Syringe services and naloxone", "substance_use.harm_reduction.syringe_services;"
                             "substance_use.harm_reduction.naloxone"),
                            ("Naloxone distribution", "substance_use.harm_reduction.naloxone")),
         ("Mo-Fr 10:00-16:00", "Tu,Th 18:00-22:00; Sa 12:00-16:00", "Mo-Fr 09:00-17:00; Fr 21:00-01:00"), None,
         (0, 0), 3),
    Kind("Recovery Community Center", (("Peer recovery coaching", "substance_use.recovery_support"),
                                       ("All-recovery meetings", "substance_use.recovery_support")),
         ("Mo-Fr 09:00-20:00; Sa 10:00-14:00", "Mo-Su 08:00-21:00"), None, (0, 0), 2),
    Kind("Sober House", (("Sober living house", "housing.recovery_residence"),),
         ("24/7",), "beds", (6, 16), 4),
    Kind("Housing Partnership", (("Transitional housing", "housing.transitional"),
                                 ("Permanent supportive housing", "housing.permanent_supportive")),
         ("Mo-Fr 09:00-17:00",), "beds", (10, 50), 3),
    Kind("Community Health Center", (("Primary care", "healthcare.primary_care;healthcare.health_center"),
                                     ("Dental clinic", "healthcare.dental"),
                                     ("HIV and hepatitis C testing", "healthcare.hiv_hepatitis"),
                                     ("Pharmacy", "healthcare.pharmacy")),
         ("Mo-Fr 08:00-17:00; Sa 08:00-12:00", "Mo-Th 08:00-20:00; Fr 08:00-17:00"), "appointments", (5, 30), 4),
    Kind("Behavioral Health", (("Mobile crisis and walk-in crisis center", "mental_health.crisis"),
                               ("Outpatient mental health clinic", "mental_health.outpatient"),
                               ("Psychiatric evaluation and medication", "mental_health.psychiatric")),
         ("24/7", "Mo-Fr 08:00-20:00"), "slots", (5, 25), 3),
    Kind("Workforce Alliance", (("Job training", "employment.job_training"),
                                ("Job placement for people with records", "employment.job_placement"),
                                ("GED and adult education", "employment.education")),
         ("Mo-Fr 09:00-17:00", "Mo-Th 09:00-19:00"), None, (0, 0), 2),
    Kind("Community Kitchen", (("Hot meals", "basic_needs.food"), ("Food pantry", "basic_needs.food")),
         ("Mo-Fr 11:30-13:30; Sa-Su 12:00-13:00", "Mo-Su 07:00-09:00, 16:30-18:00", "Tu,Th 10:00-14:00"),
         None, (0, 0), 3),
    Kind("Reentry Services", (("ID and birth certificate help", "basic_needs.id_documents"),
                              ("Benefits enrollment (SNAP, HUSKY)", "basic_needs.benefits"),
                              ("Bus passes and rides to appointments", "basic_needs.transportation")),
         ("Mo-Fr 09:00-16:30",), None, (0, 0), 2),
    Kind("Legal Aid", (("Criminal record and pardon clinic", "legal_aid"),
                       ("Housing and benefits legal help", "legal_aid")),
         ("Mo-Fr 09:00-17:00", "We 17:00-20:00"), None, (0, 0), 2),
    Kind("Veterans Center", (("Veterans housing and recovery", "housing.transitional;substance_use.recovery_support"),),
         ("Mo-Fr 08:00-16:30",), "beds", (10, 30), 1),
)


class Generator:
    """Deterministic (seeded) generator of provider-spreadsheet rows."""

    def __init__(self, seed: int = 7, places: tuple = SEED_PLACES, now_token: str = "now", *,
                 centroids: dict[str, tuple[float, float]] | None = None, weights: dict[str, float] | None = None,
                 addresses_per_zip: bool = False):
        """``places`` are (area code, town, ZIP, streets[, state]); ``centroids`` ZIP -> (lat, lon) (default:
        Connecticut's); ``weights`` ZIP -> weight (default: the seed's town weights); ``addresses_per_zip``
        keeps street addresses unique within each ZIP instead of across the whole directory."""
        self.rng = random.Random(seed)
        self.places = places
        self.now_token = now_token
        self.phone_counter: dict[str, int] = {}
        self.centroids = centroids if centroids is not None else {
            r["GEOID"].zfill(5): (float(r["Y"]), float(r["X"])) for r in data_rows("ct_zcta_centroids.csv")}
        self.zip_weights = weights
        self.addresses_per_zip = addresses_per_zip
        self.used_names: set[str] = set()
        self.used_addresses: set = set()
        self._exhausted: set[str] = set()  # organisation kinds whose plain names are all taken
        self._by_area: dict[str | None, tuple[list, list]] = {}

    def _maybe(self, p: float) -> bool:
        return self.rng.random() < p

    def _phone(self, area: str) -> str:
        n = self.phone_counter.get(area, 0)
        self.phone_counter[area] = n + 1
        exchange = 555 if n < 100 else 200 + (n // 100) % 700
        return f"({area}) {exchange}-{(n % 100) + 100:04d}"

    def _place(self, area: str | None = None) -> tuple:
        """A weighted random place; later sites of an organisation stay in its first site's region."""
        if area not in self._by_area:  # (the same draw as weights=..., without rebuilding them each time)
            places = [p for p in self.places if area is None or p[0] == area] or list(self.places)
            weights = [self.zip_weights.get(p[2], 1) if self.zip_weights is not None else SEED_WEIGHTS.get(p[1], 1)
                       for p in places]
            self._by_area[area] = (places, list(itertools.accumulate(weights)))
        places, cumulative = self._by_area[area]
        return self.rng.choices(places, cum_weights=cumulative)[0]

    def _org_name(self, kind: Kind) -> str:
        if kind.org_suffix not in self._exhausted:
            for _ in range(200):
                name = f"{self.rng.choice(NAME_PARTS)} {kind.org_suffix}"
                if name not in self.used_names:
                    self.used_names.add(name)
                    return name
            self._exhausted.add(kind.org_suffix)
        name = f"{self.rng.choice(NAME_PARTS)} {kind.org_suffix} {len(self.used_names)}"
        self.used_names.add(name)
        return name

    def rows(self, n_orgs: int) -> Iterator[dict]:
        """Rows for ``n_orgs`` organisations, each with one to four sites and their services."""
        listing_no = 0
        kinds_weighted = [k for k in KINDS for _ in range(k.weight)]
        for org_no in range(1, n_orgs + 1):
            kind = kinds_weighted[(org_no - 1) % len(kinds_weighted)] if org_no <= len(kinds_weighted) \
                else self.rng.choice(kinds_weighted)
            org_name = self._org_name(kind)
            org_id = f"org-{org_no:04d}"
            n_sites = self.rng.choices((1, 2, 3, 4), weights=(55, 30, 10, 5))[0]
            region = None
            for site_no in range(1, n_sites + 1):
                place = self._place(region)
                area, town, zip5, streets = place[:4]
                state = place[4] if len(place) > 4 else "CT"
                region = area
                for _ in range(50):
                    address = f"{self.rng.randint(10, 1999)} {self.rng.choice(streets)}"
                    if (key := (zip5, address) if self.addresses_per_zip else address) not in self.used_addresses:
                        break
                self.used_addresses.add(key)
                lat, lon = self.centroids.get(zip5, (41.76, -72.68))
                lat += self.rng.uniform(-0.008, 0.008)
                lon += self.rng.uniform(-0.010, 0.010)
                location_id = f"loc-{org_no:04d}-{site_no}"
                phone = self._phone(area)
                n_services = self.rng.randint(1, len(kind.services)) if site_no == 1 else \
                    self.rng.randint(1, min(2, len(kind.services)))
                services = kind.services[:n_services] if site_no == 1 else self.rng.sample(kind.services, n_services)
                for service_name, needs in services:
                    listing_no += 1
                    yield self._row(listing_no, kind, org_id, org_name, location_id, site_no, town, zip5, address,
                                    lat, lon, phone, service_name, needs, state)

    def _row(self, listing_no: int, kind: Kind, org_id: str, org_name: str, location_id: str, site_no: int,
             town: str, zip5: str, address: str, lat: float, lon: float, phone: str, service_name: str,
             needs: str, state: str = "CT") -> dict:
        r = self.rng
        housing = needs.startswith("housing")
        treatment = needs.startswith("substance_use") and "harm_reduction" not in needs \
            and "recovery_support" not in needs
        row = {c: "" for c in COLUMNS}
        row.update(
            listing_id=f"seed-{listing_no:05d}", organization_id=org_id, organization_name=org_name,
            service_id=f"{org_id}-{service_name.lower().replace(' ', '-')[:40]}", service_name=service_name,
            location_id=location_id, location_name=f"{org_name} - {town}" if site_no > 1 else org_name,
            address_1=address, city=town, state=state, postal_code=zip5,
            latitude=f"{lat:.6f}", longitude=f"{lon:.6f}", phone=phone,
            website=f"https://example.org/{org_id}", needs=needs, sample="yes",
            description=f"{service_name} offered by {org_name} in {town}. Sample data, not a real program.",
            hours=r.choice(kind.hours),
            status="active" if not self._maybe(0.03) else "temporarily_closed",
        )
        # Access
        walk_in = needs.startswith(("basic_needs", "substance_use.harm", "mental_health.crisis",
                                    "housing.emergency", "substance_use.moud", "substance_use.recovery"))
        row["walk_in"] = self._yn(walk_in if not self._maybe(0.15) else not walk_in, unknown=0.1)
        # A walk-in program never also needs an appointment (kept in this order so the seed's
        # random sequence, and so every other column, stays as it was).
        appointment = not walk_in and not self._maybe(0.2)
        row["appointment_required"] = self._yn(appointment and row["walk_in"] != "yes", unknown=0.15)
        # Ages
        if not self._maybe(0.25):
            row["min_age"] = "18"
            if self._maybe(0.1):
                row["min_age"], row["max_age"] = "18", "24"
            elif self._maybe(0.05):
                row["min_age"] = "55"
        # Genders
        if housing or "residential" in needs or "withdrawal" in needs:
            g = r.choices(("male", "female", "male;female;transgender;nonbinary", ""), weights=(35, 20, 35, 10))[0]
        else:
            g = r.choices(("male;female;transgender;nonbinary", ""), weights=(75, 25))[0]
        row["genders"] = g
        # Insurance
        if needs.startswith(("housing", "basic_needs", "legal_aid", "employment", "substance_use.harm",
                             "substance_use.recovery")):
            row["insurance"] = "uninsured" if not self._maybe(0.2) else ""
        else:
            opts = ["medicaid"] + (["medicare"] if self._maybe(0.7) else []) + \
                (["private"] if self._maybe(0.6) else []) + (["sliding_fee"] if self._maybe(0.4) else []) + \
                (["uninsured", "state_funded"] if self._maybe(0.45) else [])
            row["insurance"] = ";".join(opts) if not self._maybe(0.15) else ""
        # Medication for opioid use disorder
        if treatment or housing:
            if "opioid_treatment" in needs:
                row["moud_accepted"] = "methadone;buprenorphine;naltrexone"
            elif "moud" in needs:
                row["moud_accepted"] = "buprenorphine;naltrexone"
            else:
                weights = (40, 20, 8, 12, 20)
                if needs.startswith("housing.recovery"):
                    weights = (25, 20, 10, 30, 15)
                elif housing:
                    weights = (60, 5, 0, 5, 30)
                row["moud_accepted"] = r.choices(
                    ("methadone;buprenorphine;naltrexone", "buprenorphine;naltrexone", "naltrexone", "none", ""),
                    weights=weights)[0]
        # Sobriety
        if housing:
            if "recovery_residence" in needs:
                row["sobriety_required"] = "yes"
            else:
                row["sobriety_required"] = r.choices(("no", "yes", ""), weights=(60, 20, 20))[0]
        elif treatment:
            row["sobriety_required"] = "no" if not self._maybe(0.3) else ""
        # Offence exclusions (housing mainly)
        if housing:
            row["offence_exclusions"] = r.choices(
                ("none", "sex_offense_registry", "sex_offense_registry;arson", "arson;violent_felony", ""),
                weights=(35, 25, 20, 5, 15))[0]
        row["veterans_only"] = "yes" if kind.org_suffix == "Veterans Center" else self._yn(False, unknown=0.3)
        row["id_required"] = self._yn(self._maybe(0.3), unknown=0.3)
        if housing and self._maybe(0.3):
            row["service_area_towns"] = town if town in ("Hartford", "New Haven") else f"{town};Hartford"
        # Languages: Hartford and New Haven have large Spanish-speaking communities.
        langs = ["en"]
        if self._maybe(0.45):
            langs.append("es")
        if town == "New Britain" and self._maybe(0.4):
            langs.append("pl")
        if self._maybe(0.04):
            langs.append("pt")
        row["languages"] = ";".join(langs) if not self._maybe(0.08) else ""
        if row["id_required"] == "yes":
            row["required_documents"] = "Photo ID;Proof of income"
        # Capacity
        if kind.capacity_unit and (housing or "withdrawal" in needs or "residential" in needs or self._maybe(0.4)):
            maximum = r.randint(*kind.capacity_range)
            state = r.choices(("available", "waitlist", "full", "stale", "none"), weights=(35, 20, 15, 15, 15))[0]
            if state != "none":
                row["capacity_unit"] = kind.capacity_unit
                row["capacity_maximum"] = str(maximum)
                if state in ("available", "stale"):
                    row["capacity_available"] = str(r.randint(1, max(1, maximum // 4)))
                    row["accepting_new_clients"] = "yes"
                elif state == "waitlist":
                    row["capacity_available"] = "0"
                    row["capacity_waitlist"] = str(r.randint(3, 40))
                    row["capacity_wait_days"] = str(r.randint(2, 45))
                    row["accepting_new_clients"] = "yes"
                else:
                    row["capacity_available"] = "0"
                    row["accepting_new_clients"] = "no" if self._maybe(0.5) else ""
                hours_ago = r.randint(20, 200) if state == "stale" else r.randint(0, 10)
                row["capacity_updated_at"] = f"{self.now_token}-{hours_ago}h"
        row["assured_date"] = f"2026-{r.randint(1, 10):02d}-{r.randint(1, 28):02d}"
        return row

    def _yn(self, value: bool, unknown: float = 0.0) -> str:
        if unknown and self._maybe(unknown):
            return ""
        return "yes" if value else "no"


def statewide_places() -> tuple:
    """Every Connecticut ZIP area with a plausible street list, for statewide benchmark directories."""
    streets = ("Main Street", "Church Street", "Elm Street", "Broad Street", "State Street", "Park Street",
               "Maple Avenue", "Washington Street", "High Street", "Center Street")
    import zipcodes  # noqa: PLC0415 - only the benchmark needs the city names

    out = []
    for row in data_rows("ct_zcta_centroids.csv"):
        zip5 = row["GEOID"].zfill(5)
        found = zipcodes.matching(zip5)
        town = found[0]["city"].title() if found else "Hartford"
        out.append(("860" if zip5 < "06400" else "203", town, zip5, streets))
    return tuple(out)


def national_places(centroids_csv: str) -> tuple[tuple, dict[str, tuple[float, float]], dict[str, float]]:
    """Every US ZIP area of a population-weighted ZCTA centroid file (GEOID, Y, X, POP columns), for
    directories of national size with the statewide distributions: (places, centroids, population
    weights). Town, state and area code come from the ``zipcodes`` package; areas it does not know
    are left out."""
    import zipcodes  # noqa: PLC0415 - only the benchmark needs it

    known = {z["zip_code"]: z for z in zipcodes.list_all() if z.get("area_codes")}
    streets = ("Main Street", "Church Street", "Elm Street", "Broad Street", "State Street", "Park Street",
               "Maple Avenue", "Washington Street", "High Street", "Center Street")
    places, centroids, weights = [], {}, {}
    with open(centroids_csv, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            zip5 = row["GEOID"].zfill(5)
            info = known.get(zip5)
            if not info or not float(row["POP"] or 0):
                continue
            places.append((info["area_codes"][0], info["city"].title(), zip5, streets, info["state"]))
            centroids[zip5] = (float(row["Y"]), float(row["X"]))
            weights[zip5] = float(row["POP"])
    return tuple(places), centroids, weights


def write_csv(rows: Iterator[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()

"""Every ranking weight in one place: where ranking is decided.

A match's score is its *fit* times its *distance factor*. The fit is a sum of the signals below
(Elasticsearch ``function_score`` with ``score_mode: sum``), plus a typed query's text relevance;
the distance factor is 1 near the participant and halves every few miles, so distance scales the
fit instead of competing with it: a listing many times farther than an equally good one never
outranks it. Hard constraints are filters, not weights: a definitely ineligible listing never
appears, whatever its score.

Eligibility that is *not stated* is not penalised directly (function scores cannot be negative):
instead a listing earns ``ELIGIBILITY_CONFIRMED`` for each relevant dimension it states and
satisfies, so unknowns rank a little lower, as the design asks.
"""

# Every listing that passes the filters starts with this much fit.
BASE = 1.0

# Distance factor: exponential decay on the site's point. Within OFFSET miles it is 1; every SCALE
# miles beyond, it is multiplied by DECAY. SCALE is the participant's realistic travel: the urban
# default, or max_miles / MAX_MILES_TO_SCALE when the case manager widens the search.
DISTANCE_OFFSET_MILES = 1.0
DISTANCE_SCALE_MILES = 3.0
DISTANCE_DECAY = 0.5
MAX_MILES_TO_SCALE = 3.0
# A site with no map location: its distance is unknown, so it counts as a few miles away.
NO_LOCATION_FACTOR = 0.25

# A methadone clinic (opioid treatment program) found for general substance use care, for someone not
# on methadone: such clinics serve opioid use disorder, so their fit counts for this much.
METHADONE_CLINIC_FOR_OTHER_CARE = 0.5
# ... and by this much again when the listing's own name says it is a methadone clinic ("Opioid treatment
# program", "Hartford Dispensary", "... MMTP"), rather than a broader program that also runs one (a VA
# substance abuse treatment program).
NAMED_METHADONE_CLINIC_FOR_OTHER_CARE = 0.5
# Someone already dosing on methadone who asks for a methadone clinic needs maintenance: a program whose
# name says it is a detox (and not a methadone or maintenance program) fits for this much.
DETOX_PROGRAM_FOR_MAINTENANCE = 0.5

# Crisis needs: a place open 24/7 (an emergency department, a crisis line) within reach comes first.
CRISIS_ALWAYS_OPEN = 4.0

# Capacity, only when confirmed within Settings.capacity_fresh_hours (else it counts as unknown).
CAPACITY_AVAILABLE = 5.0
CAPACITY_WAITLIST = 1.7
# Capacity that is unknown or stale gets nothing; full is filtered out unless asked for.

# Urgency "now": open at this minute (or 24/7), and walk-in accepted.
OPEN_NOW_URGENT = 4.25
WALK_IN_URGENT = 2.5
# Urgency "today": open at some point in the rest of today is not expressible without scripts,
# so "today" rewards walk-in and open-now at half weight.
URGENCY_TODAY_FACTOR = 0.5

# A listing whose leaf need is exactly what was asked for beats one that only matches a parent; a
# listing coded only at the parent level of a need it probably offers (taxonomy.IMPLIED_BY)
# earns a fifth of it. Stating the need is the strongest evidence a listing offers: at 2.0 (against a
# base of 1) a facility that merely might offer it two miles away outranked one that says so at five;
# at 5.0 it takes about three times the distance (dev split P@5 0.877 -> 0.896, seed 0.983). Capacity
# and urgency were scaled by 1.7 with it, so a program with a bed tonight pulls as far as before;
# scaling language and group signals too did worse on both (dev 0.888, seed 0.971). Each need asked for counts once. A need asked in general ("substance use") is
# offered exactly by a listing coded with it or any narrower need (an outpatient clinic).
EXACT_NEED = 5.0
IMPLIED_NEED = 1.0
# ... except where the assumption is weaker, which earn half: a substance use facility that names no
# setting may as well be residential or a methadone clinic, and a mental health facility that names no
# service may have no prescriber (tuned on the dev split: 0.5 and 0.25 tie there; 1.0 lets such rows
# crowd out programs that state the service).
IMPLIED_NEED_WEIGHT = {"substance_use.outpatient": 0.5, "mental_health.psychiatric": 0.5,
                       "substance_use.intensive_outpatient": 0.5}
# Co-occurring disorders asked for: a program (or site) offering both mental health and substance use
# care, that does not say it treats them together.
TREATS_BOTH = 1.0
# The program's own name says the need ("Ambulatory Detox" for detox): it is that program, not one of
# many services of an agency.
NAMED_NEED = 1.0
# Mental health and substance use asked for together: a co-occurring disorders program.
CO_OCCURRING = 2.0

# Each preferred language (other than English) the staff speaks.
LANGUAGE_MATCH = 1.5

# Per eligibility dimension that the listing states and the participant satisfies.
ELIGIBILITY_CONFIRMED = 0.4
# A program meant for a group the participant belongs to (an adolescent program for a minor, a
# veterans' program for a veteran, one for pregnant and parenting women, a seniors' program for an
# older adult) fits better than a general one that merely admits them: its restriction is the point.
OWN_GROUP = 1.5
# Ages a youth program serves at most, and a seniors' program at least, for OWN_GROUP.
YOUTH_MAX_AGE = 21
SENIOR_MIN_AGE = 55

# Located only to a ZIP or town centroid: the distance is uncertain. A small bonus for exact sites.
PRECISE_LOCATION = 0.3

# Referral outcomes (off unless LEAD_REFERRAL_OUTCOMES_IN_RANKING is true): a listing's acceptance
# rate over the last 90 days multiplies its score by 1 + WEIGHT x (rate - 0.5), so a program that accepts
# every referral ranks up to 10% above an equal one accepting half, and one accepting none 10% below;
# only with at least MIN_REFERRALS counted, so one early decline does not bury a program. It is applied to
# the engine's scores before organisation diversity, in matching.service.
REFERRAL_ACCEPTANCE_WEIGHT = 0.2
REFERRAL_OUTCOME_MIN_REFERRALS = 5

# Organisation diversity: at most this many listings of one organisation in the top TOP_N, when another
# organisation offers a comparable alternative (scoring at least DIVERSITY_MIN_RATIO of the listing moved
# down). In Waterbury every methadone clinic within ten miles is one organisation's: pushing its third
# and fourth programs below ones ten miles farther helps nobody.
MAX_PER_ORG_IN_TOP = 2
TOP_N = 5
DIVERSITY_MIN_RATIO = 0.5

# Typed text: the fields searched and their boosts, and the boost of a listing whose need codes the
# text names ("detox" -> withdrawal management), which outweighs a word that merely appears.
TEXT_FIELDS = ("name^3", "organization.name^2", "service.description", "need_words^2", "source_terms",
               "service.eligibility_description", "address.city")
TEXT_NEED_BOOST = 3.0
# The same text matched loosely (the engine's fuzziness) on names and need words, worth less than an
# exact word; and the weight of the whole text relevance in a match's fit, where needs already filter.
FUZZY_FIELDS = ("name^2", "organization.name", "need_words^2")
FUZZY_BOOST = 0.5
TEXT_WEIGHT = 0.3

# Officer's nearby mode, after real before sample: listings the person can go to now (open, and walk-in
# without a fresh waitlist or a bed confirmed) come first, then those open now, then those whose hours are
# not stated (a call tells), then the closed ones (with their next opening); distance orders each tier.
# Ready and open add up (3), open alone 2, hours not stated 1.
NEARBY_READY = 1.0
NEARBY_OPEN = 2.0
NEARBY_CALL = 1.0

# The best few listings of a group a participant belongs to, or whose staff speak their preferred
# language, head a match when any are within reach (matching.query.leading_clauses): a youth program
# for a minor, a Spanish-speaking program for a Spanish speaker, above equally good ones and above
# nearer ones that are not. Within reach: scoring at least LEADING_MIN_RATIO of the best listing of the
# list (the ratio organisation diversity uses for a comparable alternative; about three miles farther
# than an equal program), so a speaker twenty miles off does not push a fitting program next door down.
LEADING = 3
LEADING_MIN_RATIO = 0.5

# How many candidates to fetch per requested result, so diversity re-ranking has room.
CANDIDATE_FACTOR = 3
MAX_CANDIDATES = 150


def diversify(results: list, *, limit: int, org=lambda r: r["organization"]["id"], score=None) -> list:
    """At most MAX_PER_ORG_IN_TOP listings of one organisation in the top TOP_N: a listing past its
    organisation's share gives its place to the best listing of another organisation, when that one
    scores at least DIVERSITY_MIN_RATIO of it; listings moved down come right after the top TOP_N.

    ``org`` reads the organisation id of an item (a result or a raw engine hit), ``score`` its score
    (without it, every alternative counts as comparable).
    """
    remaining = list(results)
    top: list = []
    per_org: dict[str, int] = {}
    while remaining and len(top) < TOP_N:
        pick = remaining[0]
        if per_org.get(org(pick), 0) >= MAX_PER_ORG_IN_TOP:
            alternative = next((x for x in remaining if per_org.get(org(x), 0) < MAX_PER_ORG_IN_TOP), None)
            if alternative is not None and (score is None or score(alternative) >= DIVERSITY_MIN_RATIO * score(pick)):
                pick = alternative
        remaining.remove(pick)
        top.append(pick)
        per_org[org(pick)] = per_org.get(org(pick), 0) + 1
    return (top + remaining)[:limit]

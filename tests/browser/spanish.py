"""Finding English on a Spanish page: the visible text of a page in Chromium, and the lines of it that hold
English words once the names the directory's sources give (organisations, programs, sites, streets) are set
aside. Used by tests/browser/test_spanish_everywhere.py."""
from __future__ import annotations

import re

# Words a page or a result would say in English and that are not Spanish words. Words both languages write
# alike (hospital, crisis, no, general, local, total, social, personal, error) are left out on purpose.
ENGLISH_WORDS = frozenset("""
the and of or to for with from by at on in into is are be been not this that these those your you it its we our
their they have had was were will would can could may must should all any each every more less only also
than then there here where what who when why how which about after before again over under between
open opens opened closed close closes now today tomorrow tonight night nights day days week hours hour minute
minutes ago miles mile away near nearby call phone directions map refer referral referrals search find found
services service program programs beds bed waitlist full unknown capacity serves ages men women people walk
walk-in walk-ins welcome appointment appointments needed stated sample data approximate first next back save
saved edit cancel send sent sign out accepted declined yes none list print text copy copied include choose type
place location my using where participant needs need help care treatment detox shelter housing food
substance recovery counseling outpatient residential clinic center centre emergency department
mon tue wed thu fri sat sun monday tuesday wednesday thursday friday saturday sunday am pm noon midnight
address languages language english spanish bring photo proof income check confirmed reported accepting new
clients staff speak speaks other offers matches broader located site online held page account accounts
password username submit please field fields required optional something went wrong try later again
show hide more less results result program's listing listings provider providers organisation organization
organisations organizations suggestion suggestions audit log webhook webhooks ingest run runs report error's
enrolled withdrawn viewed arrived reason note urgency needs right week this_week everything nothing
""".split())
# A word is letters only: ids and codes that mix letters with digits ("17d4d9ca69be0a5c", "sha256") are not words.
WORD = re.compile(r"(?<![\w'’-])[A-Za-zÁÉÍÓÚÜÑáéíóúüñ'’-]+(?![\w'’-])")


def visible_text(page) -> str:  # noqa: ANN001 - a Playwright page
    """What a person sees (``innerText``, so hidden elements are left out), the page title, the values of
    text boxes and the labels of icons. Left out: text an element marks as another language (``lang="en"``
    on the switch to English) and what the page marks ``translate="no"`` (account names, action codes and
    stored values in the admin's audit log and ingest runs)."""
    return page.evaluate("""() => {
      const other = [...document.querySelectorAll('body [lang], body [translate=no]')]
        .filter(e => e.getAttribute('translate') === 'no' || e.lang !== document.documentElement.lang);
      const saved = other.map(e => e.style.display);
      other.forEach(e => { e.style.display = 'none'; });
      const parts = [document.title, document.body.innerText];
      document.querySelectorAll('textarea, input[type=text], input:not([type]), input[type=search]').forEach(e => {
        if (e.offsetParent !== null && e.value) { parts.push(e.value); }
        if (e.placeholder) { parts.push(e.placeholder); }
      });
      document.querySelectorAll('[aria-label], img[alt], svg title').forEach(e => {
        if (other.some(o => o.contains(e))) { return; }
        parts.push(e.getAttribute('aria-label') || e.getAttribute('alt') || e.textContent || '');
      });
      other.forEach((e, i) => { e.style.display = saved[i]; });
      return parts.join('\\n');
    }""")


def english_lines(text: str, names: list[str]) -> list[str]:
    """The lines of ``text`` with an English word in them once every string of ``names`` (proper names, as
    the sources write them) is taken out, longest first."""
    bad = []
    ordered = sorted({n for n in names if n and len(n) > 1}, key=len, reverse=True)
    for line in text.splitlines():
        rest = line
        for name in ordered:
            if name in rest:
                rest = rest.replace(name, " ")
        words = [w.strip("'’-").lower() for w in WORD.findall(rest)]
        if any(w in ENGLISH_WORDS for w in words):
            bad.append(line.strip())
    return bad

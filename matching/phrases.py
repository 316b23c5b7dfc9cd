"""What results say, in English and Spanish, with plurals and times that read naturally.

("1 bed open", "3 beds open", "confirmed 37 hours ago"; "1 cama disponible", "confirmado hace 37 horas".)
The eligibility reasons and cautions live with their rules in ``directory.eligibility``.
"""
from __future__ import annotations

from datetime import datetime

from directory import hours

PHRASES: dict[str, tuple[str, str]] = {
    "offers": ("Offers {needs}", "Ofrece {needs}"),
    "broader": ("Matches {needs} (broader need)", "Coincide con {needs} (necesidad más amplia)"),
    "treats_both": ("Treats mental health and substance use", "Atiende salud mental y uso de sustancias"),
    "treats_both_at_site": ("Treats mental health and substance use with its programs at this address: {programs}",
                            "Atiende salud mental y uso de sustancias con sus programas en esta dirección: {programs}"),
    "leaf_not_stated": ("Does not say it offers {need}; call to check", "No indica si ofrece {need}; llame para confirmar"),
    "away": ("{distance} away", "A {distance}"),
    "no_point": ("No map location for this site; distance unknown",
                 "Este sitio no tiene ubicación en el mapa; distancia desconocida"),
    "no_site": ("No site: phone or online", "Sin sede: por teléfono o en línea"),
    "approx_zip": ("Located only to its ZIP code centre; distance is approximate",
                   "Ubicado solo por el centro de su código postal; la distancia es aproximada"),
    "approx_town": ("Located only to its town centre; distance is approximate",
                    "Ubicado solo por el centro de su municipio; la distancia es aproximada"),
    "approximate": ("approximate", "ubicación aproximada"),
    "open_24_7": ("Open 24/7", "Abierto 24/7"),
    "open_now": ("Open now", "Abierto ahora"),
    "closed_now": ("Closed now", "Cerrado ahora"),
    "open_then": ("Open at that time", "Abierto a esa hora"),
    "closed_then": ("Closed at that time", "Cerrado a esa hora"),
    "hours_unknown": ("Hours not stated", "Horario no indicado"),
    "hours_unknown_call": ("Hours not stated; call first", "Horario no indicado; llame antes"),
    "phone_site": ("The intake line at this address, from {program}", "La línea de admisión de esta dirección, de {program}"),
    "phone_organization": ("The organisation's number, from {program}", "El número de la organización, de {program}"),
    "no_phone": ("No phone on file", "Sin teléfono registrado"),
    "walk_in": ("Walk-ins welcome", "Atiende sin cita"),
    "walk_in_no_room": ("No open bed now (waitlist): walking in puts the person on the list",
                        "No hay cama libre ahora (lista de espera): al llegar sin cita se entra en la lista"),
    "walk_in_full": ("Full now: walk-ins cannot be taken until a bed opens",
                     "Completo ahora: no se atiende sin cita hasta que se libere una cama"),
    "appointment": ("Appointment needed", "Necesita cita"),
    "speaks": ("Staff speak {languages}", "El personal habla {languages}"),
    "languages_other": ("Staff languages: {languages}", "Idiomas del personal: {languages}"),
    "not_stated": ("not stated", "no indicado"),
    "inferred": (" (read from its name)", " (según su nombre)"),
    "sample": ("Sample data, not a real program", "Datos de ejemplo, no es un programa real"),
    "opens_today": ("Opens today {time}", "Abre hoy {time}"),
    "opens_tomorrow": ("Opens tomorrow {time}", "Abre mañana {time}"),
    "opens_on": ("Opens {day} {time}", "Abre el {day} {time}"),
    "all_genders": ("all genders", "todos los géneros"),
    "serves_ages": ("ages {span}", "edades {span}"),
    "who_not_stated": ("Who it serves is not stated: ask about age and gender limits when you call",
                       "No indica a quién atiende: pregunte por límites de edad y de género al llamar"),
    "who_not_stated_ask_for": ("Who it serves is not stated: ask whether they take someone who is {who}",
                               "No indica a quién atiende: pregunte si reciben a alguien con estos datos: {who}"),
    "ask_age": ("{age} years old", "{age} años"),
    "ask_pregnant": ("pregnant", "embarazada"),
    "ask_parenting": ("parenting young children", "con hijos pequeños a su cargo"),
    "ask_veteran": ("a veteran", "veterano o veterana"),
    "ask_moud": ("on {moud}", "en tratamiento con {moud}"),
    "minor_ages_unknown": ("Age limits not stated, and the participant is {age}: ask whether they take people under 18",
                           "No indica límites de edad y la persona tiene {age} años: pregunte si atienden a menores de 18"),
    "nothing_open_now": ("Nothing that meets this need is open now within {miles} miles; these answer at any hour.",
                         "No hay nada abierto ahora a menos de {miles} millas que responda a esta necesidad; "
                         "estos atienden a cualquier hora."),
    "nothing_open_then": ("Nothing that meets this need is open at that time within {miles} miles; these answer "
                          "at any hour.",
                          "No hay nada abierto a esa hora a menos de {miles} millas que responda a esta necesidad; "
                          "estos atienden a cualquier hora."),
    "nothing_open_now_anywhere": ("Nothing that meets this need is open now; these answer at any hour.",
                                  "No hay nada abierto ahora que responda a esta necesidad; estos atienden a "
                                  "cualquier hora."),
    "nothing_open_then_anywhere": ("Nothing that meets this need is open at that time; these answer at any hour.",
                                   "No hay nada abierto a esa hora que responda a esta necesidad; estos atienden a "
                                   "cualquier hora."),
    "before_samples": ("Listed before nearer ones: this is a real program, they are sample listings",
                       "Antes que otros más cercanos: este es un programa real y aquellos son de ejemplo"),
    "before_ready": ("Listed before nearer ones: open now and can take someone (walk-in or a bed confirmed)",
                     "Antes que otros más cercanos: abierto ahora y puede recibir a alguien (sin cita o con cama confirmada)"),
    "before_open": ("Listed before nearer ones: open now, they are not",
                    "Antes que otros más cercanos: abierto ahora, y aquellos no"),
    "before_closed": ("Listed before nearer ones: they are closed now, this one may be open (call)",
                      "Antes que otros más cercanos: aquellos están cerrados ahora, este puede estar abierto (llame)"),
    "nothing_near": ("Nothing found within {miles} miles; try a wider distance.",
                     "No se encontró nada a menos de {miles} millas; pruebe con una distancia mayor."),
}

DAY_NAMES = (("Monday", "lunes"), ("Tuesday", "martes"), ("Wednesday", "miércoles"), ("Thursday", "jueves"),
             ("Friday", "viernes"), ("Saturday", "sábado"), ("Sunday", "domingo"))
UNITS = {"beds": (("bed", "beds"), ("cama", "camas")), "slots": (("slot", "slots"), ("plaza", "plazas")),
         "appointments": (("appointment", "appointments"), ("cita", "citas")),
         "spaces": (("space", "spaces"), ("lugar", "lugares")),
         # A feed's unit the directory does not model (meals, vouchers): its own name is shown beside it.
         "other": (("opening", "openings"), ("cupo", "cupos"))}


def say(key: str, lang: str = "en", **values) -> str:
    en, es = PHRASES[key]
    return (es if lang == "es" else en).format(**values)


def plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def ago(age_hours: float, lang: str = "en") -> str:
    """'5 minutes ago', '1 hour ago', '37 hours ago', '3 days ago' (Spanish: 'hace 37 horas')."""
    if age_hours < 1:
        minutes = max(1, round(age_hours * 60))
        text = plural(minutes, "minuto", "minutos") if lang == "es" else plural(minutes, "minute", "minutes")
    elif age_hours < 48:
        h = round(age_hours)
        text = plural(h, "hora", "horas") if lang == "es" else plural(h, "hour", "hours")
    else:
        d = round(age_hours / 24)
        text = plural(d, "día", "días") if lang == "es" else plural(d, "day", "days")
    return f"hace {text}" if lang == "es" else f"{text} ago"


def units(n: int, unit: str | None, lang: str = "en") -> str:
    en, es = UNITS.get(unit or "beds", UNITS["beds"])
    one, many = es if lang == "es" else en
    return plural(n, one, many)


def held_text(held: int, unit: str | None, lang: str = "en") -> str:
    """'1 bed held for a referral', '2 camas en reserva para derivaciones'."""
    if lang == "es":
        return f"{units(held, unit, lang)} en reserva para {'una derivación' if held == 1 else 'derivaciones'}"
    return f"{units(held, unit, lang)} held for {'a referral' if held == 1 else 'referrals'}"


def capacity_text(status: str, cap: dict | None, age_hours: float | None, fresh: bool | None,
                  fresh_hours: float | None, lang: str = "en", held: int = 0) -> str:
    """One line about capacity: '3 beds open, confirmed 2 hours ago', 'Not confirmed for 37 hours: ...';
    beds ``held`` for accepted referrals are said ('2 beds open (1 held for a referral), ...')."""
    es = lang == "es"
    if not cap or age_hours is None:
        return "No informa disponibilidad" if es else "Capacity not reported"
    when = ago(age_hours, lang)
    if not fresh:
        return (f"Confirmado por última vez {when}: trátelo como desconocido" if es
                else f"Last confirmed {when}: treat as unknown")
    confirmed = f"confirmado {when}" if es else f"confirmed {when}"
    unit = cap.get("unit")
    also_held = f" ({held_text(held, unit, lang)})" if held else ""
    if status == "full" and held:
        return (f"Completo por ahora: {held_text(held, unit, lang)}, {confirmed}" if es
                else f"Full for now: {held_text(held, unit, lang)}, {confirmed}")
    if status == "available":
        n = cap.get("available")
        if n:
            head = f"{units(n, unit, lang)} {'disponibles' if n != 1 else 'disponible'}" if es \
                else f"{units(n, unit, lang)} open"
        else:
            head = "Acepta nuevos clientes" if es else "Accepting new clients"
        return f"{head}{also_held}, {confirmed}"
    if status == "waitlist":
        size = cap.get("waitlist")
        days = cap.get("wait_days")
        if es:
            head = f"Lista de espera de {size}" if size else "Lista de espera"
            tail = f" (unos {plural(days, 'día', 'días')})" if days else ""
        else:
            head = f"Waitlist of {size}" if size else "Waitlist"
            tail = f" (about {plural(days, 'day', 'days')})" if days else ""
        return f"{head}{tail}, {confirmed}"
    if status == "full":
        return f"Completo, {confirmed}" if es else f"Full, {confirmed}"
    return f"Disponibilidad desconocida, {confirmed}" if es else f"Capacity unknown, {confirmed}"


def distance(miles: float, lang: str = "en") -> str:
    if lang == "es":
        value = f"{miles:.1f}".replace(".", ",")
        return f"{value} {'milla' if value == '1,0' else 'millas'}"
    value = f"{miles:.1f}"
    return f"{value} {'mile' if value == '1.0' else 'miles'}"


def next_opening(when: datetime, now: datetime, lang: str = "en", relative: bool = True) -> str:
    """'Opens today at 5 pm', 'Opens tomorrow at 8 am', 'Opens Monday at 8 am' (local times); not
    ``relative`` (asked about another time than now), always the day's name."""
    days = (when.date() - now.astimezone(when.tzinfo).date()).days
    time = hours.at_time(when.hour * 60 + when.minute, lang)
    if days == 0 and relative:
        return say("opens_today", lang, time=time)
    if days == 1 and relative:
        return say("opens_tomorrow", lang, time=time)
    en, es = DAY_NAMES[when.weekday()]
    return say("opens_on", lang, day=es if lang == "es" else en, time=time)


def outcomes_text(accepted: int, declined: int, received: int, days: int, lang: str = "en") -> str:
    """'3 of 4 referrals accepted, 1 declined (last 90 days)'."""
    if lang == "es":
        head = (f"{accepted} de {received} derivaciones aceptadas" if received != 1
                else f"{accepted} de 1 derivación aceptada")
        return f"{head}, {declined} {'rechazada' if declined == 1 else 'rechazadas'} (últimos {days} días)"
    noun = "referral" if received == 1 else "referrals"
    return f"{accepted} of {received} {noun} accepted, {declined} declined (last {days} days)"

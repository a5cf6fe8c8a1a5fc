"""Where an actor belongs in the envelope by what it is: organisation, profession, sector.

When nobody names an actor's panel, its organisation says most about where it sits:
the municipality's own units are *afdelinger*; the region, psychiatry, hospitals,
general practitioners and private employers are *organisationer*; associations and
volunteers are *civilsamfund*; family and friends are *netvaerk*. The names below
are those of the catalogue (migrations 0002 and 0011), folded for comparison; other
text is judged by the words in it. The rule is documented for caseworkers in
``docs/brugervejledning.md`` (section 4) and applied by
:func:`app.graph.layout.panel_for`.
"""

from __future__ import annotations

import re

__all__ = ["NAMES", "SECTOR_WORDS", "WORDS", "fold", "hint", "kind_by_meaning",
           "panel_by_meaning", "sector_by_meaning"]

_AFD, _ORG, _CIV, _NET = "afdelinger", "organisationer", "civilsamfund", "netvaerk"

#: Catalogue names (organisations, professions, sectors), folded, and their panel.
NAMES: dict[str, str] = {
    # The municipality's own units (Aarhus MSB and the units the seeds name).
    "børn og familier": _AFD, "unge, uddannelse og job": _AFD, "job og uddannelse": _AFD,
    "job, sundhed og ydelse": _AFD, "socialpsykiatri og udsatte voksne": _AFD,
    "sociallægeinstitutionen": _AFD, "rusmiddelcenter aarhus": _AFD,
    "sundhed og omsorg": _AFD, "børn og unge": _AFD, "jobcenter": _AFD,
    "din indgang": _AFD, "job og familie": _AFD, "borgerservice": _AFD,
    "ppr (pædagogisk psykologisk rådgivning)": _AFD, "hjemmeplejen": _AFD,
    # Other public and private organisations: region, health, employers.
    "regionspsykiatrien": _ORG, "psykiatrisk ambulatorium": _ORG, "hospital": _ORG,
    "region (sundhed og psykiatri)": _ORG, "lægepraksis (egen læge)": _ORG,
    "privat praksis": _ORG, "privat arbejdsgiver": _ORG, "udbetaling danmark": _ORG,
    "kriminalforsorgen": _ORG, "a-kasse": _ORG,
    # Associations and volunteers.
    "frivillighedscenter": _CIV, "opgang til opgang": _CIV, "forening": _CIV,
    "frivillig organisation": _CIV,
    # Professions whose place is clear.
    "sagsbehandler": _AFD, "koordinerende sagsbehandler": _AFD, "socialrådgiver": _AFD,
    "myndighedsrådgiver": _AFD, "myndighedskoordinator": _AFD, "uu-vejleder": _AFD,
    "jobkonsulent": _AFD, "virksomhedskonsulent": _AFD, "jobcentermedarbejder": _AFD,
    "støttekontaktperson": _AFD, "familiebehandler": _AFD, "visitator": _AFD,
    "sundhedsplejerske": _AFD, "hjemmesygeplejerske": _AFD, "misbrugsbehandler": _AFD,
    "egen læge": _ORG, "læge": _ORG, "praktiserende læge": _ORG, "psykiater": _ORG,
    "sygeplejerske": _ORG, "psykiatrisk sygeplejerske": _ORG, "fysioterapeut": _ORG,
    "jordemoder": _ORG, "arbejdsgiver": _ORG,
    "frivillig": _CIV, "frivilligkoordinator": _CIV, "gældsrådgiver": _CIV,
    # Sectors.
    "civilsamfund": _CIV, "privat erhverv": _ORG, "privat netværk": _NET,
    "privat netvaerk": _NET, "netværk": _NET,
}

#: Words that place free text, checked in this order (the first panel with a match
#: wins): the municipality first, so "kommunens psykiatri" stays in afdelinger.
WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (_AFD, ("kommune", "kommunens", "jobcenter", "jobcentret", "borgerservice", "ppr",
            "forvaltning", "forvaltningen", "hjemmepleje", "hjemmeplejen")),
    (_ORG, ("region", "regionen", "regionspsykiatrien", "psykiatri", "psykiatrien",
            "psykiatrisk", "hospital", "hospitalet", "sygehus", "sygehuset", "lægepraksis",
            "læge", "lægen", "praksis", "privat", "virksomhed", "virksomheden", "a/s", "aps",
            "arbejdsgiver", "tandlæge", "apotek", "a-kasse", "politi", "politiet",
            "kriminalforsorgen")),
    (_CIV, ("forening", "foreningen", "frivillig", "frivillige", "klub", "klubben",
            "café", "cafe", "kirke", "kirken", "menighed", "idrætsforening", "spejder",
            "røde", "kors", "korshær")),
    (_NET, ("mor", "far", "forælder", "forældre", "søster", "bror", "søn", "datter",
            "ven", "veninde", "venner", "nabo", "kæreste", "bedstemor", "bedstefar",
            "moster", "faster", "morbror", "farbror", "onkel", "tante", "fætter", "kusine")),
)

_WORD = re.compile(r"[\w/-]+")


def fold(text: str) -> str:
    """Trimmed, inner whitespace folded, casefolded: how names are compared.

    Examples
    --------
    >>> fold("  Egen   Læge ")
    'egen læge'
    """
    return " ".join(text.split()).casefold()


def panel_by_meaning(*texts: str | None) -> str | None:
    """The panel the first telling text points to, or None if none tells.

    Each text in turn (organisation, then profession, and so on, as the caller
    orders them) is looked up as a catalogue name, then searched for telling words
    in the order of :data:`WORDS`; the first text that tells anything decides.

    Examples
    --------
    >>> panel_by_meaning("Regionspsykiatrien", "Psykolog")
    'organisationer'
    >>> panel_by_meaning("Jobcenter Aarhus", None)
    'afdelinger'
    >>> panel_by_meaning(None, "Egen læge")
    'organisationer'
    >>> panel_by_meaning("Gældsrådgivning i foreningen Askovhus", "Gældsrådgiver")
    'civilsamfund'
    >>> panel_by_meaning("Privat virksomhed", "Virksomhedskonsulent")
    'organisationer'
    >>> panel_by_meaning("Kommunens psykiatri") , panel_by_meaning("Psykolog") is None
    ('afdelinger', True)
    """
    for text in texts:
        if not text:
            continue
        folded = fold(text)
        if folded in NAMES:
            return NAMES[folded]
        found = set(_WORD.findall(folded))
        for panel, telling in WORDS:
            if not found.isdisjoint(telling):
                return panel
    return None


#: Word stems that name a sector (the catalogue's sectors), checked in this order: the
#: first sector with a word that starts with one of its stems wins.
SECTOR_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("civilsamfund", ("frivillig", "forening", "opgang")),
    ("sundhed", ("læge", "sundhed", "sygepleje", "hjemmesygepleje", "psykiat", "psykolog",
                 "hospital", "sygehus", "region", "fysioterap", "jordemoder", "hjemmepleje",
                 "tandlæge")),
    ("uddannelse", ("uu-vejleder", "uddannelse", "ppr", "lærer", "pædagog", "skole")),
    ("beskæftigelse", ("job", "virksomhed", "arbejdsgiver", "a-kasse")),
    ("social", ("sagsbehandler", "socialrådgiver", "social", "myndighed", "støttekontakt",
                "familie", "visitator", "misbrug", "rusmiddel", "mentor", "kriminalforsorg",
                "udbetaling", "gældsrådgiv", "borgerservice", "indgang")),
)


def sector_by_meaning(*texts: str | None) -> str | None:
    """The sector the first telling text points to, or None if none tells.

    Examples
    --------
    >>> sector_by_meaning("Egen læge"), sector_by_meaning("Virksomhedskonsulent")
    ('sundhed', 'beskæftigelse')
    >>> sector_by_meaning("Gældsrådgiver"), sector_by_meaning(None, "Forening")
    ('social', 'civilsamfund')
    >>> sector_by_meaning("Tolk") is None
    True
    """
    for text in texts:
        if not text:
            continue
        words = _WORD.findall(fold(text))
        for sector, stems in SECTOR_WORDS:
            if any(w.startswith(stem) for w in words for stem in stems):
                return sector
    return None


def kind_by_meaning(*texts: str | None) -> str | None:
    """``volunteer`` when the first telling text is of volunteers, ``professional`` when
    it names a trade or a public or private organisation, else None.

    Examples
    --------
    >>> kind_by_meaning("Frivillig"), kind_by_meaning("Forening")
    ('volunteer', 'volunteer')
    >>> kind_by_meaning("Psykolog"), kind_by_meaning("Lægepraksis (egen læge)")
    ('professional', 'professional')
    """
    for text in texts:
        if not text:
            continue
        folded = fold(text)
        if folded in ("frivillig", "forening", "frivillig organisation", "opgang til opgang"):
            return "volunteer"
        return "professional"
    return None


def hint(name: str) -> dict[str, str]:
    """What a catalogue name (a profession or an organisation) tells about an actor:
    its ``sector``, ``kind`` and ``panel``, where the name tells it.

    The add form fills these in when a caseworker picks the name.

    Examples
    --------
    >>> hint("Egen læge")
    {'sector': 'sundhed', 'kind': 'professional', 'panel': 'organisationer'}
    >>> hint("Forening")
    {'sector': 'civilsamfund', 'kind': 'volunteer', 'panel': 'civilsamfund'}
    >>> hint("Tolk")
    {'kind': 'professional'}
    """
    found = {"sector": sector_by_meaning(name), "kind": kind_by_meaning(name),
             "panel": panel_by_meaning(name)}
    return {k: v for k, v in found.items() if v}

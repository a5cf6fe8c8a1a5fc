"""Example networks from the seeds: Claus before and after, and one case per prototype.

They are the demo data, the OpenAPI examples and the fixtures of many tests, so
they follow the seed texts closely (Aarhus MSB's driftsområder and centres).
"""

from __future__ import annotations

from typing import Any

from app.graph.document import GraphDocument

__all__ = ["EXAMPLES", "claus_foer", "claus_nu", "prototype_1", "prototype_2", "prototype_3"]


def _actor(key: str, kind: str, label: str, **fields: Any) -> dict[str, Any]:
    return {"key": key, "kind": kind, "label": label, **fields}


def _couple(source: str, target: str, state: str = "needed", **fields: Any) -> dict[str, Any]:
    return {"source": source, "target": target, "state": state, **fields}


def claus_foer() -> GraphDocument:
    """Claus, 22, before the reorganisation: three driftsområder, nobody coordinates.

    He is in touch with each centre himself, and the centres do not talk to each
    other, so Claus is the only link between people who must coordinate.
    """
    return GraphDocument.model_validate({
        "label": "Claus, 22 (før)",
        "target_group": "unge",
        "actors": [
            _actor("claus", "citizen", "Claus",
                   contribution="Vil gerne have en uddannelse og et sted at bo."),
            _actor("uu", "professional", "UU-vejleder", profession="UU-vejleder",
                   sector="uddannelse", organisation="Job og Uddannelse",
                   panel="afdelinger", ring=1,
                   contribution="UU-vejledning, aktivering og afklaring af uddannelse og job."),
            _actor("ydelse", "professional", "Ydelsesrådgiver", profession="Socialrådgiver",
                   sector="beskæftigelse", organisation="Job, Sundhed og Ydelse",
                   panel="afdelinger", ring=2, contribution="Udbetaler uddannelseshjælp."),
            _actor("rusmiddel", "professional", "Rusmiddelbehandler",
                   profession="Misbrugsbehandler", sector="sundhed",
                   organisation="Socialpsykiatri og Udsatte Voksne", panel="afdelinger",
                   ring=2, contribution="Behandling af stigende hashforbrug."),
            _actor("forsorg", "organisation", "Midlertidigt forsorgstilbud",
                   profession="Pædagog", sector="bolig",
                   organisation="Socialpsykiatri og Udsatte Voksne", panel="organisationer",
                   ring=2, contribution="Midlertidig forsorgsbolig; Claus er skrevet op."),
        ],
        "couplings": [
            _couple("claus", "uu", "established"),
            _couple("claus", "ydelse", "established"),
            _couple("claus", "rusmiddel", "strained"),
            _couple("claus", "forsorg", "weak"),
            _couple("uu", "ydelse", topic="Uddannelseshjælp hænger sammen med uddannelsesplanen"),
            _couple("uu", "rusmiddel", topic="Behandling og uddannelse på samme tid"),
            _couple("rusmiddel", "forsorg", topic="Bolig under behandling"),
        ],
    })


def claus_nu() -> GraphDocument:
    """Claus today: one entrance, Unge, Uddannelse og Job coordinates everything."""
    return GraphDocument.model_validate({
        "label": "Claus, 22 (nu)",
        "target_group": "unge",
        "actors": [
            _actor("claus", "citizen", "Claus",
                   contribution="Vil gerne have en uddannelse og et sted at bo."),
            _actor("koordinator", "professional", "Koordinerende sagsbehandler",
                   profession="Socialrådgiver", sector="beskæftigelse",
                   organisation="Unge, Uddannelse og Job", panel="afdelinger", ring=1,
                   contribution="Samler sagsbehandlingen og alle indsatser.",
                   contact="Unge, Uddannelse og Job"),
            _actor("uu", "professional", "UU-vejleder", profession="UU-vejleder",
                   sector="uddannelse", organisation="Unge, Uddannelse og Job",
                   panel="afdelinger", ring=1,
                   contribution="Afklaring af uddannelse og job."),
            _actor("ydelse", "professional", "Ydelsesrådgiver", profession="Socialrådgiver",
                   sector="beskæftigelse", organisation="Unge, Uddannelse og Job",
                   panel="afdelinger", ring=2, contribution="Uddannelseshjælp."),
            _actor("rusmiddel", "professional", "Rusmiddelbehandler",
                   profession="Misbrugsbehandler", sector="sundhed",
                   organisation="Job, Sundhed og Ydelse", panel="afdelinger", ring=2,
                   contribution="Rusmiddelbehandling."),
            _actor("forsorg", "organisation", "Midlertidigt forsorgstilbud",
                   profession="Pædagog", sector="bolig",
                   organisation="Socialpsykiatri og Udsatte Voksne", panel="organisationer",
                   ring=2, contribution="Midlertidig forsorgsbolig."),
        ],
        "couplings": [
            _couple("claus", "koordinator", "established", topic="Én samlet indgang"),
            _couple("claus", "uu", "established"),
            _couple("claus", "rusmiddel", "established"),
            _couple("claus", "forsorg", "weak"),
            _couple("koordinator", "uu", "established", topic="Fælles uddannelsesplan",
                    agreements=[{"who": "uu", "what": "Finder et brobygningsforløb",
                                 "due": "2026-12-15"}]),
            _couple("koordinator", "ydelse", "established"),
            _couple("koordinator", "rusmiddel", "established",
                    topic="Behandling og uddannelse på samme tid",
                    agreements=[{"who": "rusmiddel", "what": "Ambulant behandling to gange "
                                 "om ugen, tider der passer med forløbet",
                                 "due": "2026-12-01"}]),
            _couple("koordinator", "forsorg", "established", topic="Bolig under behandling"),
            _couple("uu", "ydelse", "weak"),
        ],
        "coordinator": "koordinator",
    })


def prototype_1() -> GraphDocument:
    """Simple: few professions and sectors (prototype 1)."""
    return GraphDocument.model_validate({
        "label": "Maja, 34",
        "target_group": "voksne",
        "actors": [
            _actor("maja", "citizen", "Maja"),
            _actor("job", "professional", "Jobkonsulent", profession="Jobkonsulent",
                   sector="beskæftigelse", organisation="Job og Uddannelse",
                   panel="afdelinger", ring=1),
            _actor("mentor", "professional", "Mentor", profession="Mentor",
                   sector="beskæftigelse", organisation="Job og Uddannelse",
                   panel="afdelinger", ring=2),
            _actor("soester", "network", "Søster", panel="netvaerk", ring=1),
        ],
        "couplings": [
            _couple("maja", "job", "established"),
            _couple("maja", "soester", "established"),
            _couple("job", "mentor", "established"),
            _couple("maja", "mentor", "weak"),
        ],
        "coordinator": "job",
    })


def prototype_2() -> GraphDocument:
    """Difficult: more professions and sectors (prototype 2)."""
    return GraphDocument.model_validate({
        "label": "Sara, 17",
        "target_group": "unge",
        "actors": [
            _actor("sara", "citizen", "Sara"),
            _actor("uu", "professional", "UU-vejleder", profession="UU-vejleder",
                   sector="uddannelse", organisation="Unge, Uddannelse og Job",
                   panel="afdelinger", ring=1),
            _actor("raadgiver", "professional", "Socialrådgiver", profession="Socialrådgiver",
                   sector="social", organisation="Børn og Familier", panel="afdelinger",
                   ring=1),
            _actor("psykolog", "professional", "Psykolog", profession="Psykolog",
                   sector="sundhed", organisation="Børne- og ungdomspsykiatrien",
                   panel="organisationer", ring=2),
            _actor("laerer", "professional", "Kontaktlærer", profession="Lærer",
                   sector="uddannelse", organisation="Produktionsskolen",
                   panel="organisationer", ring=2),
            _actor("mor", "network", "Mor", panel="netvaerk", ring=1),
            _actor("klub", "volunteer", "Frivillig i fodboldklubben", panel="civilsamfund",
                   ring=3),
        ],
        "couplings": [
            _couple("sara", "uu", "established"),
            _couple("sara", "raadgiver", "established"),
            _couple("sara", "mor", "strained"),
            _couple("sara", "klub", "weak"),
            _couple("uu", "raadgiver", "established"),
            _couple("raadgiver", "psykolog", "needed", topic="Udredning af angst"),
            _couple("uu", "laerer", "established"),
            _couple("raadgiver", "mor", "weak"),
        ],
        "coordinator": "raadgiver",
    })


def prototype_3() -> GraphDocument:
    """Very complex: many professions and sectors around a whole family (prototype 3)."""
    return GraphDocument.model_validate({
        "label": "Familien fra opgangen",
        "target_group": "familie",
        "actors": [
            _actor("mor", "citizen", "Mor (borger)"),
            _actor("job", "professional", "Jobkonsulent", profession="Jobkonsulent",
                   sector="beskæftigelse", organisation="Job og Uddannelse",
                   panel="afdelinger", ring=1),
            _actor("raadgiver", "professional", "Familierådgiver", profession="Socialrådgiver",
                   sector="social", organisation="Børn og Familier", panel="afdelinger",
                   ring=1),
            _actor("familiebeh", "professional", "Familiebehandler",
                   profession="Familiebehandler", sector="social",
                   organisation="Børn og Familier", panel="afdelinger", ring=2),
            _actor("sundhedspl", "professional", "Sundhedsplejerske",
                   profession="Sundhedsplejerske", sector="sundhed",
                   organisation="Sundhed og Omsorg", panel="organisationer", ring=2),
            _actor("laerer", "professional", "Klasselærer", profession="Lærer",
                   sector="uddannelse", organisation="Folkeskolen", panel="organisationer",
                   ring=2),
            _actor("bolig", "professional", "Boligsocial medarbejder",
                   profession="Boligsocial medarbejder", sector="bolig",
                   organisation="Boligforeningen", panel="organisationer", ring=3),
            _actor("laege", "professional", "Egen læge", profession="Læge", sector="sundhed",
                   organisation="Almen praksis", panel="organisationer", ring=3),
            _actor("tolk", "professional", "Tolk", profession="Tolk", sector="social",
                   organisation="Tolkeservice", panel="organisationer", ring=3),
            _actor("lektie", "volunteer", "Frivillig lektiehjælper",
                   profession="Frivillig", sector="civilsamfund",
                   organisation="Lektiecaféen", panel="civilsamfund", ring=2),
            _actor("arbejdsgiver", "organisation", "Café (praktikplads)",
                   sector="privat erhverv", panel="civilsamfund", ring=2),
            _actor("soen", "network", "Søn, 15", panel="netvaerk", ring=1),
            _actor("moster", "network", "Moster", panel="netvaerk", ring=2),
        ],
        "couplings": [
            _couple("mor", "job", "established"),
            _couple("mor", "raadgiver", "established"),
            _couple("mor", "soen", "established"),
            _couple("mor", "moster", "weak"),
            _couple("raadgiver", "job", "established", topic="Job og familie tænkes sammen"),
            _couple("raadgiver", "familiebeh", "established"),
            _couple("raadgiver", "laerer", "needed", topic="Sønnens fravær"),
            _couple("raadgiver", "sundhedspl", "needed"),
            _couple("job", "arbejdsgiver", "established"),
            _couple("job", "tolk", "weak"),
            _couple("familiebeh", "soen", "strained"),
            _couple("laerer", "lektie", "needed"),
            _couple("bolig", "raadgiver", "needed"),
        ],
        "coordinator": "raadgiver",
    })


EXAMPLES = {
    "claus-foer": claus_foer,
    "claus-nu": claus_nu,
    "prototype-1": prototype_1,
    "prototype-2": prototype_2,
    "prototype-3": prototype_3,
}

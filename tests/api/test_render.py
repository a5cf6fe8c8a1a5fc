"""The envelope, PDFs, templates, exports and import through the real app; files are read
back by tools we did not write (ElementTree, pypdf, networkx, igraph, pydot, csv)."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from typing import Any

import igraph
import networkx as nx
import pydot
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app import models as m
from app.graph.analyse import analyse
from app.graph.classify import classify
from app.graph.examples import claus_foer, claus_nu, prototype_3
from app.i18n import translations
from tests.helpers.clients import Api
from tests.helpers.pdf import label_sizes, last_lines, page_texts, squeeze

SVG = "{http://www.w3.org/2000/svg}"


def _doc(example: Any) -> dict[str, Any]:
    return example.model_dump(mode="json", exclude_none=True)


def test_envelope_svg_is_deterministic_and_accessible(api: Api) -> None:
    case_id, _ = api.create(claus_nu())
    first = api.get(f"/api/v1/cases/{case_id}/envelope.svg")
    second = api.get(f"/api/v1/cases/{case_id}/envelope.svg")
    assert first.status_code == 200
    assert first.headers["content-type"] == "image/svg+xml"
    assert first.content == second.content
    root = ET.fromstring(first.content)
    assert root.find(f"{SVG}title") is not None and root.find(f"{SVG}desc") is not None
    ids = {g.get("id") for g in root.iter(f"{SVG}g")}
    assert {f"actor-{a.key}" for a in claus_nu().actors} <= ids
    assert "Prototype 2" in first.text


def test_envelope_svg_escapes_labels(api: Api) -> None:
    doc = _doc(claus_nu())
    doc["actors"][1]["label"] = "<script>alert(1)</script>"
    case_id, _ = api.create(doc)
    svg = api.get(f"/api/v1/cases/{case_id}/envelope.svg").text
    assert "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg


def test_envelope_svg_of_earlier_version(api: Api) -> None:
    case_id, version = api.create(claus_foer())
    api.put(f"/api/v1/cases/{case_id}/graph", json=_doc(claus_nu()),
            headers={"If-Match": f'"{version}"'})
    earlier = api.get(f"/api/v1/cases/{case_id}/envelope.svg", params={"version": 1})
    now = api.get(f"/api/v1/cases/{case_id}/envelope.svg")
    assert "Claus, 22 (før)" in earlier.text and "Claus, 22 (nu)" in now.text
    assert earlier.headers["ETag"] == '"1"'
    missing = api.get(f"/api/v1/cases/{case_id}/envelope.svg", params={"version": 9})
    assert missing.status_code == 404


def test_envelope_svg_in_english(api: Api) -> None:
    case_id, _ = api.create(claus_nu())
    assert api.get(f"/api/v1/cases/{case_id}/envelope.svg",
                   params={"lang": "en"}).text != api.get(
        f"/api/v1/cases/{case_id}/envelope.svg").text


def test_envelope_pdf_has_danish_text_on_a4_and_a3(api: Api) -> None:
    doc = _doc(claus_nu())
    doc["actors"][2]["label"] = "Søren Ærø-Åberg"
    case_id, _ = api.create(doc)
    for paper, size in (("a4", (842, 595)), ("a3", (1191, 842))):
        response = api.get(f"/api/v1/cases/{case_id}/envelope.pdf", params={"paper": paper})
        assert response.status_code == 200
        assert response.content.startswith(b"%PDF")
        reader = PdfReader(io.BytesIO(response.content))
        assert len(reader.pages) == 2  # the envelope, then the reasons and the warnings
        box = reader.pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == size
        text = reader.pages[0].extract_text()
        assert "Søren Ærø-Åberg" in text.replace("\n", " ")


@pytest.mark.parametrize("lang", ["da", "en"])
def test_envelope_pdf_prints_reasons_and_warnings(api: Api, lang: str) -> None:
    """After the envelope: the classification's reasons and every warning, in the
    language asked for (read back with pdfplumber)."""
    case_id, _ = api.create(claus_foer())
    pdf = api.get(f"/api/v1/cases/{case_id}/envelope.pdf", params={"lang": lang}).content
    pages = page_texts(pdf)
    doc = claus_foer()
    if lang == "da":
        expected = [*classify(doc).reasons, *(w.message for w in analyse(doc).warnings)]
        headings = ["Klassifikation: prototype 2", "Advarsler"]
    else:
        english = translations("en").gettext
        expected = ["4 professions (Misbrugsbehandler, Pædagog, Socialrådgiver, UU-vejleder): "
                    "more than 2 and at most 5 gives level 2.",
                    *(w.say(english) for w in analyse(doc).warnings)]
        headings = ["Classification: prototype 2", "Warnings"]
    text = " ".join(pages[1:])
    for line in [*headings, *expected]:
        assert squeeze(line) in text, line
    assert not {*headings} & set(last_lines(pdf))
    actors = [a.label for a in doc.actors if a.kind != "citizen"]
    assert min(label_sizes(pdf, actors).values()) >= 8.0


@pytest.mark.parametrize("prototype", [1, 2, 3])
def test_blank_template_pdf(api: Api, prototype: int) -> None:
    response = api.get(f"/api/v1/templates/prototype/{prototype}.pdf")
    assert response.status_code == 200
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 1


def test_blank_template_unknown_prototype(api: Api) -> None:
    assert api.get("/api/v1/templates/prototype/4.pdf").status_code == 422


def test_render_stateless_stores_nothing(api: Api) -> None:
    svg = api.post("/api/v1/render.svg", json=_doc(claus_foer()))
    pdf = api.post("/api/v1/render.pdf", json=_doc(claus_foer()))
    assert svg.status_code == 200 and ET.fromstring(svg.content).tag == f"{SVG}svg"
    assert pdf.content.startswith(b"%PDF")
    assert api.get("/api/v1/cases").json()["total"] == 0


def test_render_stateless_refuses_bad_document(api: Api) -> None:
    doc = _doc(claus_foer())
    doc["coordinator"] = "claus"
    response = api.post("/api/v1/render.svg", json=doc)
    assert response.status_code == 422
    assert response.json()["error"]["problems"][0]["code"] == "coordinator_is_citizen"


def test_pseudonymised_exports_hide_citizen_and_network(api: Api) -> None:
    case_id, _ = api.create(prototype_3())
    for path in ("envelope.svg", "export.json", "export.graphml", "export.gexf",
                 "export.dot", "export.cyjs", "export.csv"):
        body = api.get(f"/api/v1/cases/{case_id}/{path}",
                       params={"pseudonymise": "true"}).text
        assert "Moster" not in body and "Søn, 15" not in body, path
        assert "Jobkonsulent" in body, path


def test_export_graphml_read_by_networkx_and_igraph(api: Api, tmp_path: Any) -> None:
    case_id, _ = api.create(claus_nu())
    data = api.get(f"/api/v1/cases/{case_id}/export.graphml").content
    graph = nx.read_graphml(io.BytesIO(data))
    assert set(graph.nodes) == {a.key for a in claus_nu().actors}
    assert graph.nodes["uu"]["profession"] == "UU-vejleder"
    path = tmp_path / "g.graphml"
    path.write_bytes(data)
    other = igraph.Graph.Read_GraphML(str(path))
    assert other.vcount() == len(claus_nu().actors)
    assert other.ecount() == len(claus_nu().couplings)


def test_export_gexf_read_by_networkx(api: Api) -> None:
    case_id, _ = api.create(claus_nu())
    graph = nx.read_gexf(io.BytesIO(api.get(f"/api/v1/cases/{case_id}/export.gexf").content))
    assert graph.number_of_edges() == len(claus_nu().couplings)


def test_export_dot_read_by_pydot(api: Api) -> None:
    case_id, _ = api.create(claus_nu())
    graphs = pydot.graph_from_dot_data(api.get(f"/api/v1/cases/{case_id}/export.dot").text)
    assert graphs is not None and len(graphs[0].get_edges()) == len(claus_nu().couplings)


def test_export_csv_has_kumu_columns(api: Api) -> None:
    case_id, _ = api.create(claus_nu())
    actors = list(csv.DictReader(io.StringIO(
        api.get(f"/api/v1/cases/{case_id}/export.csv").text)))
    couplings = list(csv.DictReader(io.StringIO(
        api.get(f"/api/v1/cases/{case_id}/export.csv", params={"table": "couplings"}).text)))
    assert {"Label", "Type"} <= set(actors[0]) and len(actors) == len(claus_nu().actors)
    assert {"From", "To"} <= set(couplings[0]) and len(couplings) == len(claus_nu().couplings)


def test_export_is_audited_with_format(api: Api, db: Any) -> None:
    case_id, _ = api.create(claus_nu())
    api.get(f"/api/v1/cases/{case_id}/export.gexf", params={"pseudonymise": "true"})
    with db.session() as session:
        actions = session.scalars(select(m.AuditEntry.action).where(
            m.AuditEntry.case_id == case_id)).all()
    assert "export:gexf:pseudonymised" in actions


def test_other_team_cannot_render_or_export(api: Api, other_team: Api) -> None:
    case_id, _ = api.create(claus_nu())
    for path in ("envelope.svg", "envelope.pdf", "export.json", "export.graphml"):
        assert other_team.get(f"/api/v1/cases/{case_id}/{path}").status_code == 404


def test_import_graphml_round_trip(api: Api) -> None:
    case_id, _ = api.create(claus_nu())
    data = api.get(f"/api/v1/cases/{case_id}/export.graphml").content
    response = api.post("/api/v1/cases/import", content=data,
                        headers={"Content-Type": "application/graphml+xml"})
    assert response.status_code == 201, response.text
    new_id = response.json()["id"]
    assert api.get(f"/api/v1/cases/{new_id}/graph").json() == _doc(claus_nu())


def test_import_json_document(api: Api) -> None:
    import json

    response = api.post("/api/v1/cases/import", content=json.dumps(_doc(claus_foer())),
                        headers={"Content-Type": "application/json"})
    assert response.status_code == 201
    assert api.get(f"/api/v1/cases/{response.json()['id']}/graph").json() == _doc(claus_foer())


def test_import_refuses_hostile_or_unknown_input(api: Api, reader: Api) -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]>'
            b'<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph>&lol;</graph>'
            b'</graphml>')
    response = api.post("/api/v1/cases/import", content=bomb,
                        headers={"Content-Type": "application/xml"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_graphml"
    assert api.post("/api/v1/cases/import", content=b"hello",
                    headers={"Content-Type": "text/plain"}).status_code == 415
    assert reader.post("/api/v1/cases/import", json=_doc(claus_foer())).status_code == 403
    assert api.get("/api/v1/cases").json()["total"] == 0

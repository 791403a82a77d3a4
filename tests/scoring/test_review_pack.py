"""The business review pack: read back from the generated files (the PDF's text with pypdf,
the deck's shapes and text with python-pptx), what each audience gets, who may make which."""

from __future__ import annotations

import io
import zipfile

import pytest
from pptx import Presentation
from pypdf import PdfReader

from plans.selectors.plans import newest_version_number
from scoring.models import PackExport, PackExportStatus
from scoring.pack.content import Audience, pack_content
from scoring.pack.exports import pack_file
from tests import factories
from tests.scoring import pack_world
from tests.scoring.pack_world import (
    COST_TO_SERVE,
    NET_PROFIT,
    PERCEPTION,
    SECRET_SECTION,
    TODAY,
)

# What the customer-facing pack must never carry, as it would read in the pack.
INTERNAL_WORDS = (
    "Cost to serve",
    "cost to serve",
    "Net profit",
    "net profit",
    "Attitude",
    "Detractor",
    "Attractiveness",
    "Relative strength",
    "score",
    "Quadrant",
    "Share of wallet",
    "Warnings",
    "Investment required",
    "Profit objective X",
    COST_TO_SERVE,
    NET_PROFIT,
    "765,432",
    "123,456",
    "81.50",
    SECRET_SECTION,
    PERCEPTION,
    "Decision-making unit",
)


@pytest.fixture
def world(kam):
    return pack_world.build(kam)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def pptx_text(data: bytes) -> tuple[str, list]:
    deck = Presentation(io.BytesIO(data))
    texts, charts = [], []
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if shape.has_table:
                texts.extend(cell.text for row in shape.table.rows for cell in row.cells)
            if shape.has_chart:
                charts.append(shape.chart)
                texts.extend(series.name for plot in shape.chart.plots for series in plot.series)
                if shape.chart.has_title:
                    texts.append(shape.chart.chart_title.text_frame.text)
    return "\n".join(texts), charts


def make(plan, run, audience, fmt):
    return pack_file(plan=plan, audience=audience, fmt=fmt, run=run, today=TODAY).data


def test_internal_pdf_holds_every_part(world):
    plan, run = world
    text = pdf_text(make(plan, run, Audience.INTERNAL, "pdf"))
    for expected in (
        "Brandt Maschinenbau",
        "The relationship at a glance",
        "Relationship stage",
        COST_TO_SERVE,
        NET_PROFIT,
        "Objectives and progress",
        "Grow the spindle business",
        "Solutions and their value",
        "Vendor-managed inventory",
        "250,000.00 EUR",
        "Actions done and due",
        "Quarterly review with the COO",
        "Plant visit done",
        "Service commitments and measured results",
        "97.5 %",
        SECRET_SECTION,
        PERCEPTION,
        "Decision-making unit",
        "Dr. Ines Brandt",
        "Detractor",
        "Agreed next steps",
        f"plan version {newest_version_number(plan)}",
        "1 Jun 2026",
    ):
        assert expected in text, expected


def test_customer_pdf_has_no_internal_field(world):
    plan, run = world
    text = pdf_text(make(plan, run, Audience.CUSTOMER, "pdf"))
    assert "Brandt buys on total cost of ownership." in text
    assert "Quarterly review with the COO" in text
    assert "97.5 %" in text
    assert "Customer-facing" in text
    for word in INTERNAL_WORDS:
        assert word not in text, word


def test_internal_pptx_has_native_charts_and_every_part(world):
    plan, run = world
    text, charts = pptx_text(make(plan, run, Audience.INTERNAL, "pptx"))
    assert charts, "no native chart"
    names = {series.name for chart in charts for plot in chart.plots for series in plot.series}
    assert {"Revenue", "Cost to serve", "Net profit"} <= names
    revenue = next(s for c in charts for p in c.plots for s in p.series if s.name == "Revenue")
    assert len(list(revenue.values)) == 12  # three years of quarters
    for expected in (
        "Dr. Ines Brandt",
        "Detractor",
        COST_TO_SERVE,
        "Agreed next steps",
        "Vendor-managed inventory",
        f"plan version {newest_version_number(plan)}",
    ):
        assert expected in text, expected


def test_customer_pptx_has_no_internal_field(world):
    plan, run = world
    text, charts = pptx_text(make(plan, run, Audience.CUSTOMER, "pptx"))
    assert charts
    assert "Quarterly review with the COO" in text
    for word in INTERNAL_WORDS:
        assert word not in text, word


def test_pack_reads_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    plan, run = world
    for i in range(10):
        factories.ActionFactory(plan=plan, title=f"More {i}")
        factories.ContactFactory(account=plan.account)
    with django_assert_max_num_queries(16):
        pack_content(plan=plan, run=run, audience=Audience.INTERNAL, today=TODAY)


def test_page_downloads_for_the_kam(client, kam, world):
    plan, _ = world
    client.force_login(kam)
    response = client.get(f"/plans/{plan.pk}/pack.pdf?audience=internal")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    response = client.get(f"/plans/{plan.pk}/pack.pptx")
    assert response.status_code == 200
    assert "customer" in response["Content-Disposition"]
    page = client.get(f"/plans/{plan.pk}/").content.decode()
    assert f"/plans/{plan.pk}/pack.pptx" in page
    account_page = client.get(f"/accounts/{plan.account_id}/").content.decode()
    assert f"/plans/{plan.pk}/pack.pdf" in account_page


def test_pack_is_a_404_outside_the_account_and_bad_choices_are_400(
    client, world, other_kam, operations, kam
):
    plan, _ = world
    for outsider in (other_kam, operations):
        client.force_login(outsider)
        assert client.get(f"/plans/{plan.pk}/pack.pdf").status_code == 404
    client.force_login(kam)
    assert client.get(f"/plans/{plan.pk}/pack.doc").status_code == 400
    assert client.get(f"/plans/{plan.pk}/pack.pdf?audience=board").status_code == 400


def test_internal_pack_needs_the_economics(client, world, kam):
    """A team member outside every role reads the plan and its economics; someone who may
    read the plan but not the economics would get a 403 (rules: scoring.make_internal_pack)."""
    plan, _ = world
    member = factories.UserFactory()
    factories.TeamMembershipFactory(account=plan.account, user=member)
    assert member.has_perm("scoring.make_internal_pack", plan) == member.has_perm(
        "scoring.view_score", plan.account
    )
    client.force_login(member)
    assert client.get(f"/plans/{plan.pk}/pack.pdf?audience=internal").status_code == 200


def test_director_zip_of_every_key_account(
    client, director, world, django_capture_on_commit_callbacks
):
    second = factories.PlanFactory()
    client.force_login(director)
    assert client.get("/scoring/packs/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/scoring/packs/start/", {"audience": "customer", "fmt": "pdf"})
    export = PackExport.objects.get()
    assert response.url == f"/scoring/packs/{export.pk}/"
    assert export.status == PackExportStatus.DONE
    assert (export.done, export.total, export.progress_pct) == (2, 2, 100)
    page = client.get(response.url).content.decode()
    assert "Download the ZIP" in page
    download = client.get(f"/scoring/packs/{export.pk}/download/")
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    names = archive.namelist()
    assert len(names) == 2
    texts = [pdf_text(archive.read(name)) for name in names]
    assert any("Brandt Maschinenbau" in t for t in texts)
    assert any(second.account.name in t for t in texts)
    for text in texts:
        assert NET_PROFIT not in text


def test_zip_is_for_directors_only(client, kam):
    client.force_login(kam)
    assert client.get("/scoring/packs/").status_code == 403
    assert (
        client.post("/scoring/packs/start/", {"audience": "internal", "fmt": "pdf"}).status_code
        == 403
    )


def test_the_zip_task_reports_its_progress_as_it_goes(director, world, monkeypatch):
    from scoring.pack import exports

    for _ in range(3):
        factories.PlanFactory()
    export = PackExport.objects.create(audience="customer", fmt="pptx", created_by=director)
    seen = []
    made = exports.pack_file

    def spying(**kwargs):
        row = PackExport.objects.get(pk=export.pk)
        seen.append((row.status, row.done, row.total))
        return made(**kwargs)

    monkeypatch.setattr(exports, "PROGRESS_EVERY", 1)
    monkeypatch.setattr(exports, "pack_file", spying)
    exports.pack_export_build(export_id=export.pk)
    assert seen == [("running", n, 4) for n in range(4)]
    export.refresh_from_db()
    assert (export.status, export.done, export.progress_pct) == ("done", 4, 100)
    # A redelivered task finds the export done and builds nothing again.
    exports.pack_export_build(export_id=export.pk)
    assert len(seen) == 4


def test_a_failing_pack_fails_the_zip_with_the_reason(director, world, monkeypatch):
    from scoring.pack import exports

    export = PackExport.objects.create(audience="internal", fmt="pdf", created_by=director)

    def broken(**kwargs):
        raise ValueError("font missing")

    monkeypatch.setattr(exports, "pack_file", broken)
    exports.pack_export_build(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == PackExportStatus.FAILED
    assert "font missing" in export.error
    assert bytes(export.content) == b""

"""The review pack in a real browser: the KAM picks the audience on the plan page, downloads
the PDF and the deck; the PDF's first page, rendered to PNG (pypdfium2), is not blank."""

import io
from pathlib import Path

import pypdfium2
import pytest
from PIL import ImageStat
from playwright.sync_api import expect
from pptx import Presentation

from tests import factories
from tests.e2e.conftest import ARTIFACTS, login
from tests.scoring import pack_world

pytestmark = pytest.mark.e2e


def rendered_first_page(data: bytes):
    document = pypdfium2.PdfDocument(data)
    try:
        return document[0].render(scale=1.5).to_pil().convert("L")
    finally:
        document.close()


def test_kam_downloads_the_pack_and_its_first_page_is_not_blank(page):
    kam = factories.KamFactory(username="pia-pack", first_name="Pia", last_name="Pack")
    plan, _ = pack_world.build(kam)

    login(page, kam)
    page.goto(f"/plans/{plan.pk}/")
    pack = page.get_by_role("form", name="Review pack")
    expect(pack).to_be_visible()
    pack.get_by_label("Audience").select_option("internal")
    with page.expect_download() as download_info:
        pack.get_by_role("button", name="PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith("-internal.pdf")
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF")

    image = rendered_first_page(data)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    image.save(ARTIFACTS / "review-pack-first-page.png")
    dark = sum(image.histogram()[:128])
    assert dark > image.width * image.height * 0.005, "the first page is (almost) blank"
    assert ImageStat.Stat(image).stddev[0] > 10

    with page.expect_download() as download_info:
        pack.get_by_role("button", name="PowerPoint").click()
    deck = Presentation(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    assert len(deck.slides) >= 7
    assert deck.slides[0].shapes.title.text == plan.account.name


def test_the_account_page_offers_the_pack_of_the_current_plan(page):
    kam = factories.KamFactory(username="paul-pack")
    plan, _ = pack_world.build(kam)
    login(page, kam)
    page.goto(f"/accounts/{plan.account_id}/")
    with page.expect_download() as download_info:
        page.get_by_role("form", name="Review pack").get_by_role("button", name="PDF").click()
    assert download_info.value.suggested_filename.endswith("-customer.pdf")

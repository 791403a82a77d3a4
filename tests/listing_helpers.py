"""What the three filtered lists (accounts, scores, actions) are checked with alike: a page for a
user, the sorted column header, a refused filter value, and the CSV / XLSX downloads."""

import csv
import io
import re

from openpyxl import load_workbook

SORTED_HEADER = re.compile(r'<th scope="col"[^>]*aria-sort="(\w+)"[^>]*>\s*<a[^>]*>([^<]+)')


def get_as(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


def sorted_headers(html: str) -> list[tuple[str, str]]:
    """(aria-sort, label) of every header the list is sorted by."""
    return SORTED_HEADER.findall(html)


def assert_bad_filter_explained(response, field: str) -> None:
    """The page still shows, with the field's error next to it."""
    assert response.status_code == 200
    assert field in response.context["filter"].form.errors
    assert 'class="invalid-feedback d-block"' in response.content.decode()


def csv_download(client, url, filename_prefix: str, **params) -> list[dict[str, str]]:
    """The rows of the CSV download of `url` with `params`, checked to be an attachment."""
    response = client.get(url, {**params, "export": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(f'attachment; filename="{filename_prefix}-')
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def xlsx_rows(response) -> list[tuple]:
    """The cell values of an XLSX download, header row first."""
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return list(sheet.iter_rows(values_only=True))


def download_line_count(body: bytes, fmt: str) -> int:
    """How many lines (CSV) or rows (XLSX) a download has, the header included."""
    if fmt == "csv":
        return len(body.decode("utf-8-sig").strip().splitlines())
    return load_workbook(io.BytesIO(body)).active.max_row

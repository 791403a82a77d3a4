"""Every main page fits a phone (375 px wide) and a laptop (1366 x 768) for each role, measured
in Chromium on a seeded demo portfolio (issue 16):

- the page never scrolls sideways: `document.documentElement.scrollWidth <= innerWidth`;
- no two visible table cells overlap (each cell's box, clipped by the scrolling containers it
  sits in, against every other's);
- on the laptop, no table is cut: a table's own scroll container (`.table-responsive`) does not
  have to scroll sideways to show all its columns (long lists choose theirs with the "Columns"
  control instead). A grid whose columns are data, not fields (the white-space map: one column
  per product category, as many as the customer has), is marked `data-wide-by-design` and
  scrolls in its container at any width.

The pages are one data structure, `PAGES` (role -> URL names, from the groups below): a page
added later is one line in its group, or one line in a role's list. A URL name that takes an
id gets the demo object named in `ARGUMENTS`; a path ("/...") is opened as it is. One browser,
one context per role, one login per role; every problem of every page is reported at once, with
a screenshot in test-artifacts/e2e/.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.demo.relationships import WIDE_GROUP_MEMBERS
from accounts.models import Account, User
from kam.demo.builder import DEMO_PASSWORD
from plans.models import Commitment, Plan
from scoring.models import AccountScore, RunStatus, ScoringRun
from tests.e2e.conftest import ARTIFACTS, login

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 812}
LAPTOP = {"width": 1366, "height": 768}

# What everyone signed in opens.
EVERYONE = [
    "home",
    "accounts:list",
    "accounts:detail",
    "plans:actions",
    "plans:board",
    "plans:commitment_detail",
    "plans:notifications",
    "plans:my_actions",
    "profile:index",
    "swagger-ui",
    "redoc",
]
# The account's people and the sales side: its history, plan and scores.
SALES = [
    "accounts:history",
    "plans:plan_detail",
    "plans:plan_versions",
    "plans:plan_compare",
    "portfolio:scores",
    "plans:list",
    "accounts:rate",
    "accounts:interactions",
    "accounts:white_space",
]
# The whole portfolio: the director's and the administrator's pages.
PORTFOLIO = [
    "portfolio:dashboard",
    "/portfolio/?level=entities",  # the dashboard counting every legal entity
    "portfolio:workbench",
    "portfolio:designate",
    "scoring:runs",
    "scoring:run_detail",
    "imports:index",
    "imports:layouts",
    "portfolio:white_space",
    "portfolio:warning_settings",
    "portfolio:anchors",
    "scoring:pack_exports",
]
# A page of another demo object than its URL name's usual one: "<URL name>@<Demo attribute>".
# The white-space map of the 50-member group buying across 40 categories (a 51 x 40 grid that
# scrolls in its own container at any width).
GROUP = ["accounts:white_space@group"]
PAGES: dict[str, list[str]] = {
    "director": [*EVERYONE, *SALES, *PORTFOLIO, *GROUP],
    "kam6": [*EVERYONE, *SALES, "plans:plan_shares"],  # a KAM with key accounts and plans
    "ops1": [*EVERYONE],
    "admin": [*EVERYONE, *SALES, *PORTFOLIO, *GROUP, "audit", "plans:plan_shares"],
}
# The demo object (a `Demo` attribute) whose id a URL name takes.
ARGUMENTS = {
    "accounts:detail": "account",
    "accounts:history": "account",
    "accounts:rate": "account",
    "accounts:interactions": "account",
    "accounts:white_space": "account",
    "plans:plan_shares": "plan",
    "portfolio:designate": "account",
    "plans:plan_detail": "plan",
    "plans:plan_versions": "plan",
    "plans:plan_compare": "plan",
    "plans:commitment_detail": "commitment",
    "scoring:run_detail": "run",
}
# What shows once a page has finished drawing, beyond its charts and htmx requests.
READY = {
    "portfolio:workbench": "[data-testid=preview-result]",
    "swagger-ui": ".opblock",
    "redoc": "[role=menuitem]",
}
SETTLED = """() => !document.querySelector('.htmx-request')
    && [...document.querySelectorAll('canvas[data-chart]')]
        .every((canvas) => canvas.dataset.drawn === 'true')"""

# The layout probe. A box is clipped by every ancestor that does not let its overflow show
# (a scroll container), so a cell scrolled out of sight in its table's container neither
# widens the page nor overlaps anything.
PROBE = """() => {
  const clips = (el) => {
    const style = getComputedStyle(el);
    return style.overflowX !== 'visible' || style.overflowY !== 'visible';
  };
  const seen = (el) => {
    const r = el.getBoundingClientRect();
    let box = {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
    for (let p = el.parentElement; p && p !== document.documentElement; p = p.parentElement) {
      if (!clips(p)) continue;
      const q = p.getBoundingClientRect();
      box = {left: Math.max(box.left, q.left), top: Math.max(box.top, q.top),
             right: Math.min(box.right, q.right), bottom: Math.min(box.bottom, q.bottom)};
    }
    return box;
  };
  const name = (el) => {
    const text = (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
    const table = el.closest('table');
    const where = table ? (table.dataset.testid || table.querySelector('caption')?.textContent
      || table.className || '').trim().slice(0, 50) : '';
    return `<${el.tagName.toLowerCase()}> "${text}"` + (where ? ` in table "${where}"` : '');
  };
  const width = document.documentElement.clientWidth;
  // The widest boxes that stick out of the page, for the report.
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (!r.width || r.right <= width + 0.5 || seen(el).right <= width + 0.5) continue;
    if (!el.checkVisibility()) continue;  // in a closed <details>, say
    const parent = el.parentElement.getBoundingClientRect();
    if (el.parentElement !== document.body && parent.right > width + 0.5) continue;
    wide.push(`${name(el)} ends at ${Math.round(r.right)} px`);
    if (wide.length === 5) break;
  }
  // An absolutely positioned box escapes a scroll container that is not positioned (its
  // containing block lies outside it), such as a visually hidden label in a scrolling table.
  for (const el of document.body.querySelectorAll('*')) {
    if (wide.length === 5) break;
    const position = getComputedStyle(el).position;
    const r = el.getBoundingClientRect();
    if ((position === 'absolute' || position === 'fixed') && r.right > width + 0.5
        && !wide.some((line) => line.startsWith(name(el)))) {
      wide.push(`${name(el)} (position: ${position}, class "${el.className}") ends at `
        + `${Math.round(r.right)} px`);
    }
  }
  const cells = [];
  for (const cell of document.querySelectorAll('th, td')) {
    if (!cell.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
    // A sticky cell (the board's "Record" button on a phone) floats over the cells that
    // scroll under it by design: it is opaque and always in reach.
    if (getComputedStyle(cell).position === 'sticky') continue;
    const box = seen(cell);
    if (box.right - box.left > 1 && box.bottom - box.top > 1) cells.push([cell, box]);
  }
  cells.sort((a, b) => a[1].top - b[1].top);
  const overlaps = [];
  for (let i = 0; i < cells.length && overlaps.length < 5; i++) {
    const a = cells[i][1];
    for (let j = i + 1; j < cells.length && cells[j][1].top < a.bottom - 1; j++) {
      const b = cells[j][1];
      const across = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const down = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (across > 1 && down > 1) {
        overlaps.push(`${name(cells[i][0])} overlaps ${name(cells[j][0])}`);
        break;
      }
    }
  }
  const cut = [...document.querySelectorAll('.table-responsive:not([data-wide-by-design])')]
    .filter((box) => box.checkVisibility() && box.scrollWidth > box.clientWidth + 1)
    .map((box) => `${name(box.querySelector('table') || box)} needs ${box.scrollWidth} px `
      + `in ${box.clientWidth} px`);
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth, wide, overlaps, cut,
          cells: cells.length};
}"""


@dataclass(frozen=True)
class Demo:
    account: int  # a key account of kam6 with a plan
    plan: int
    commitment: int  # a service commitment on that account
    run: int  # the scoring run
    group: int  # the top of the group of 50 members buying across 40 product categories


def seed_portfolio() -> Demo:
    """The demo portfolio, small (300 customers, two years), scored once, with the benchmark's
    group of 50 members and 40 product categories (built from 10,000 customers by default)."""
    call_command(
        "seed_demo",
        accounts=300,
        years=2,
        wide_group_from=300,
        recompute=True,
        stdout=StringIO(),
    )
    kam = User.objects.get(username="kam6")
    plan = Plan.objects.filter(account__kam=kam).order_by("pk").first()
    assert plan is not None, "kam6 has no plan in the demo portfolio"
    account = Account.objects.get(pk=plan.account_id)
    commitment = Commitment.objects.filter(account=account).order_by("pk").first()
    assert commitment is not None, f"{account} has no service commitment in the demo portfolio"
    run = ScoringRun.objects.filter(status=RunStatus.SUCCEEDED).latest("pk")
    group = (
        AccountScore.objects.filter(run=run, members=WIDE_GROUP_MEMBERS)
        .values_list("account_id", flat=True)
        .get()
    )
    return Demo(account=account.pk, plan=plan.pk, commitment=commitment.pk, run=run.pk, group=group)


def url_of(page_name: str, demo: Demo) -> str:
    if page_name.startswith("/"):
        return page_name
    name, _, argument = page_name.partition("@")
    argument = argument or ARGUMENTS.get(name)
    return reverse(name, args=[getattr(demo, argument)] if argument else [])


def problems_of(page, role: str, page_name: str, url: str, viewport: dict[str, int]) -> list[str]:
    """What is wrong with the layout of `url` at `viewport`, as sentences (none: it fits)."""
    response = page.goto(url)
    where = f"{role} at {viewport['width']} px, {page_name} ({url})"
    if response is None or response.status != 200:
        return [f"{where}: HTTP {response.status if response else '?'}, not the page"]
    page.wait_for_function(SETTLED)
    if page_name in READY:
        page.locator(READY[page_name]).first.wait_for(state="attached")
    found = page.evaluate(PROBE)
    problems = []
    if found["scrollWidth"] > found["innerWidth"]:
        wide = "; ".join(found["wide"]) or "no single box found"
        problems.append(
            f"{where}: the page is {found['scrollWidth']} px wide in a {found['innerWidth']} px "
            f"window ({wide})"
        )
    problems += [f"{where}: {overlap}" for overlap in found["overlaps"]]
    if viewport == LAPTOP:
        problems += [f"{where}: a table is cut: {cut}" for cut in found["cut"]]
    if problems:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = f"responsive-{role}-{viewport['width']}-{page_name.replace(':', '-')}.png"
        page.screenshot(path=str(ARTIFACTS / name))  # the window: what the person sees first
    return problems


def test_every_main_page_fits_a_phone_and_a_laptop_for_every_role(new_page):
    demo = seed_portfolio()
    problems: list[str] = []
    for role, page_names in PAGES.items():
        page = new_page()
        login(page, User.objects.get(username=role), password=DEMO_PASSWORD)
        for viewport in (PHONE, LAPTOP):
            page.set_viewport_size(viewport)
            for page_name in page_names:
                problems += problems_of(page, role, page_name, url_of(page_name, demo), viewport)
        page.goto(reverse("home"))  # the fixture's final screenshot: a light page, not ReDoc
    assert problems == [], f"{len(problems)} layout problems:\n" + "\n".join(problems)


def test_the_groups_white_space_map_scrolls_in_its_own_container(new_page):
    """The 51 x 40 map alone (the case above checks it too, among every page): it never widens
    the page and no two of its cells overlap, on a phone and a laptop."""
    demo = seed_portfolio()
    page = new_page()
    login(page, User.objects.get(username="director"), password=DEMO_PASSWORD)
    problems: list[str] = []
    for viewport in (PHONE, LAPTOP):
        page.set_viewport_size(viewport)
        for page_name in GROUP:
            problems += problems_of(page, "director", page_name, url_of(page_name, demo), viewport)
    assert problems == [], "\n".join(problems)


def test_the_probe_sees_a_page_that_scrolls_sideways_and_cells_that_overlap(new_page):
    """The probe itself: a page widened by a fixed-width box and a table whose cells are moved
    onto each other are both reported, and a wide table inside its own scroll container is
    only reported as cut."""
    page = new_page()
    page.set_viewport_size(PHONE)
    page.set_content(
        """<body style="margin:0">
        <div style="width:600px">wide</div>
        <table><tr><td style="position:relative;left:40px">one</td><td>two</td></tr></table>
        <div class="table-responsive" style="overflow-x:auto;position:relative">
          <table><tr><td><div style="width:900px">long</div></td><td>beside</td></tr></table></div>
        </body>"""
    )
    found = page.evaluate(PROBE)
    assert found["scrollWidth"] == 600 and found["innerWidth"] == 375
    assert found["wide"] == ['<div> "wide" ends at 600 px']
    assert len(found["overlaps"]) == 1 and '"one"' in found["overlaps"][0]
    assert len(found["cut"]) == 1 and "needs" in found["cut"][0]

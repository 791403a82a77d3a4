"""Defaults that do no harm: the stage form starts at the current stage (saving it unchanged
moves nothing), a new contact's influence and a new rating have no value preselected."""

import re

from django.urls import reverse

from accounts.forms import StageChangeForm
from accounts.models import Stage
from scoring.forms import RatingsForm
from scoring.models import Criterion
from tests import factories


def selected(html, name):
    """The values of the options selected in the <select> named `name`."""
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([^"]*)"[^>]*selected', select)


def test_the_stage_form_starts_at_the_current_stage_and_refuses_it_unchanged():
    form = StageChangeForm(current=Stage.COOPERATIVE)
    assert selected(str(form["to_stage"]), "to_stage") == [Stage.COOPERATIVE]
    assert "Cooperative (current)" in str(form["to_stage"])

    unchanged = StageChangeForm(
        {"to_stage": Stage.COOPERATIVE, "reason": "x"}, current="cooperative"
    )
    moved = StageChangeForm(
        {"to_stage": Stage.INTERDEPENDENT, "reason": "x"}, current="cooperative"
    )

    assert unchanged.errors == {"to_stage": ["Choose the stage the account moves to."]}
    assert moved.is_valid()


def test_the_pages_preselect_no_rating_and_no_influence_and_the_current_stage(client, kam):
    account = factories.KeyAccountFactory(kam=kam, stage=Stage.TACTICAL)
    client.force_login(kam)

    html = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    ratings = client.get(reverse("accounts:rate", args=[account.pk])).content.decode()
    contact = client.get(reverse("accounts:contact_create", args=[account.pk])).content.decode()

    assert 'type="radio"' in ratings
    assert "checked" not in ratings  # no 1-5 chosen in advance, for any criterion
    assert selected(html, "to_stage") == [Stage.TACTICAL]
    assert selected(contact, "influence") == [""]


def test_ratings_without_a_chosen_value_are_refused(db):
    criterion = Criterion.objects.get(key="strategic_value")

    form = RatingsForm({"strategic_value": ""}, criteria=[criterion])

    assert form.errors == {"__all__": ["Choose a rating (1-5) for at least one criterion."]}

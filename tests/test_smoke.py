import pytest
from django.contrib.auth.models import Group

from kam import rules as kam_rules
from scoring.models import Criterion


@pytest.mark.django_db
def test_migrations_create_the_role_groups_and_default_criteria():
    names = set(Group.objects.values_list("name", flat=True))
    assert {kam_rules.KAM_GROUP, kam_rules.DIRECTOR_GROUP, kam_rules.OPERATIONS_GROUP} <= names
    assert Criterion.objects.filter(kind="computed").count() == 7
    assert Criterion.objects.filter(kind="rated").count() == 6

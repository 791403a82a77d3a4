import pytest
from django.contrib.auth.models import AnonymousUser

from tests import factories


@pytest.fixture
def director(db):
    return factories.DirectorFactory(username="director")


@pytest.fixture
def kam(db):
    return factories.KamFactory(username="kam")


@pytest.fixture
def other_kam(db):
    return factories.KamFactory(username="other-kam")


@pytest.fixture
def operations(db):
    return factories.OperationsFactory(username="ops")


@pytest.fixture
def admin_user(db):
    return factories.AdminFactory(username="admin")


@pytest.fixture
def key_account(kam):
    return factories.KeyAccountFactory(kam=kam)


@pytest.fixture
def people(key_account, kam, other_kam, director, operations, admin_user):
    """Everyone by role as seen from `key_account`: its KAM, a KAM on its team, a KAM of other
    accounts, a director, operations, an administrator and the anonymous visitor."""
    team_kam = factories.KamFactory(username="team-kam")
    factories.TeamMembershipFactory(account=key_account, user=team_kam)
    return {
        "anonymous": AnonymousUser(),
        "other_kam": other_kam,
        "own_kam": kam,
        "team_kam": team_kam,
        "director": director,
        "operations": operations,
        "admin": admin_user,
    }


def restore_reference_data() -> None:
    """Put back what the migrations create (content types, permissions, role groups, default
    criteria and their rating anchors, the health components and warning settings): a
    transactional test's flush empties every table, and later tests need them."""
    import importlib

    from django.apps import apps
    from django.core.management.sql import emit_post_migrate_signal

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    importlib.import_module("accounts.migrations.0002_role_groups").create_groups(apps, None)
    importlib.import_module("scoring.migrations.0002_default_criteria").create_criteria(apps, None)
    anchors = importlib.import_module("scoring.migrations.0009_default_rating_anchors")
    anchors.set_anchors(apps, None)
    health = importlib.import_module("scoring.migrations.0013_default_health_components")
    health.create_defaults(apps, None)
    # The migrations write these rows through their own historical models, with no history;
    # written again through today's models they got "created" history records, which a
    # migrated database never has (the audit log and the anchors' history counted them).
    from simple_history.models import HistoricalChanges

    for model in apps.get_models():
        if issubclass(model, HistoricalChanges):
            model.objects.all().delete()


DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


@pytest.fixture(autouse=True)
def _reference_data_after_a_flush(request):
    """Before a test that uses the database, put the migrations' reference data back if a
    transactional test's flush emptied it. pytest-django runs transactional tests last, but on
    several processes (pytest-xdist) a worker may run one before the others it is given, so
    the check is made (one query) before every such test, committed outside its transaction."""
    uses_db = request.node.get_closest_marker("django_db") is not None or bool(
        DATABASE_FIXTURES & set(request.fixturenames)
    )
    if not uses_db:
        return
    request.getfixturevalue("django_db_setup")
    blocker = request.getfixturevalue("django_db_blocker")
    from django.contrib.auth.models import Group

    with blocker.unblock():
        if not Group.objects.exists():
            restore_reference_data()


@pytest.fixture
def reference_data(transactional_db):
    """For transactional tests (pytest-django runs them last): an earlier one's flush may have
    emptied the tables, so put the migrations' reference data back first."""
    restore_reference_data()

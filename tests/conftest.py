import pytest

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


def restore_reference_data() -> None:
    """Put back what the migrations create (content types, permissions, role groups, default
    criteria): a transactional test's flush empties every table, and later tests need them."""
    import importlib

    from django.apps import apps
    from django.core.management.sql import emit_post_migrate_signal

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    importlib.import_module("accounts.migrations.0002_role_groups").create_groups(apps, None)
    importlib.import_module("scoring.migrations.0002_default_criteria").create_criteria(apps, None)


@pytest.fixture
def reference_data(transactional_db):
    """For transactional tests (pytest-django runs them last): an earlier one's flush may have
    emptied the tables, so put the migrations' reference data back first."""
    restore_reference_data()

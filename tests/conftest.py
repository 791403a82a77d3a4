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

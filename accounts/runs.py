"""The current scoring run, and an account's score in it, for the apps below scoring.

Account and plan pages show the figures the newest succeeded run computed, but `scoring` sits
above them: it plugs its readers in here from `ScoringConfig.ready()`, so the pages read them
without importing it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_readers: dict[str, Callable[..., Any]] = {}


def plug(*, current_run: Callable[[], Any], account_score: Callable[[Any, Any], Any]) -> None:
    """Scoring's readers: the newest succeeded run, and an account's score in a run."""
    _readers.update(current_run=current_run, account_score=account_score)


def _reader(name: str) -> Callable[..., Any]:
    try:
        return _readers[name]
    except KeyError:
        raise LookupError("No scoring readers: the scoring app is not installed.") from None


def current_run() -> Any:
    """The newest succeeded scoring run (None before the first run)."""
    return _reader("current_run")()


def account_score(account: Any, run: Any) -> Any:
    """The account's score in `run`: None without a run, or when the run did not score it."""
    if run is None:
        return None
    return _reader("account_score")(account, run)

"""The suites as directory sources: what `manage.py people_sync wecom|dingtalk|feishu` and the
worker call. A suite that cannot be read (not set up, timeout, refusal, garbage) raises
SuiteError, which the caller records with `sync_failed`: nothing changes."""

from __future__ import annotations

from django.utils.translation import gettext as _

from lihui.directory.services import Snapshot

from .base import SuiteError, suite_name
from .config import SUITES, suite_client


def read_snapshot(source: str) -> Snapshot:
    """The whole directory of `source` as it is now (complete: who is missing has left)."""
    if source not in SUITES:
        raise SuiteError(_("“%(source)s” is not a work suite.") % {"source": source})
    client = suite_client(source)
    if client is None:
        raise SuiteError(_("%(suite)s is not set up: enter its app at Company directory › Work suites.") % {"suite": suite_name(source)})
    return client.snapshot()


# For the registry of sources (lihui/directory/sources.py: SOURCES maps a name to a function
# that takes nothing and raises SourceError): one reader per suite.
def read_wecom() -> Snapshot:
    return _read("wecom")


def read_dingtalk() -> Snapshot:
    return _read("dingtalk")


def read_feishu() -> Snapshot:
    return _read("feishu")


def _read(source: str) -> Snapshot:
    try:
        return read_snapshot(source)
    except SuiteError as exc:
        raise _source_error()(str(exc)) from None


def _source_error() -> type[Exception]:
    try:
        from lihui.directory.sources import SourceError
    except ImportError:  # a tree without the registry
        return SuiteError
    return SourceError

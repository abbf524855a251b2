"""A local stand-in for WeCom, DingTalk and Feishu: one HTTP server answering their documented
endpoints (server.py) from one mutable company directory (directory.py), with the documented
field names per endpoint (fields.py). `python -m lihui.testing.suites --port 8765` runs it."""

from .directory import ACTIVE, DISABLED, LEFT, NOT_JOINED, Dept, Directory, User, sample_company
from .server import Credentials, SuiteServer

__all__ = ["ACTIVE", "DISABLED", "LEFT", "NOT_JOINED", "Credentials", "Dept", "Directory", "SuiteServer", "User", "sample_company"]

from lihui.notify.tests.conftest import sink, stub_http  # noqa: F401  (the HTTP stub and the local robot sink)

"""WeCom (企业微信), DingTalk (钉钉) and Feishu (飞书) as sources of people: QR login, login
inside the suite's own browser, and directory sync. One client per suite (wecom.py,
dingtalk.py, feishu.py on base.py), the app's configuration (config.py: the SuiteApp model and
the environment), the services (services.py), the login (login.py, middleware.py) and the
sync entry for `people_sync` and the worker (sync.py)."""

"""`python -m lihui.testing.suites [--port 8765]`: the local suite server with the sample company,
until Ctrl-C. It prints the settings that point Lihui at it and the app credentials to enter
at /directory/suites/ (or in the environment)."""

import argparse
import time

from . import SuiteServer, sample_company


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    server = SuiteServer(sample_company(), host=args.host, port=args.port).start()
    print(f"WeCom, DingTalk and Feishu answering at {server.url}. Start Lihui with:")
    for name, value in server.settings().items():
        print(f"  export {name}={value}")
    c = server.credentials
    print("App credentials:")
    print(f"  WeCom     corp id {c.wecom_corp_id}, agent id {c.wecom_agent_id}, secret {c.wecom_secret}")
    print(f"  DingTalk  app key {c.dingtalk_app_key}, corp id {c.dingtalk_corp_id}, agent id {c.dingtalk_agent_id}, secret {c.dingtalk_secret}")
    print(f"  Feishu    app id {c.feishu_app_id}, secret {c.feishu_secret}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()

"""The one outbound path (lihui.notify.http): a name is resolved once, every address it
resolves to is checked, and the connection goes to a checked address — never to whatever a
second lookup answers (DNS rebinding). Real loopback servers, a fake resolver, no network."""

import datetime as dt
import ipaddress
import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from lihui.notify import http
from lihui.notify.models import Message
from lihui.notify.services import deliver_due, message_enqueue
from lihui.notify.sink import RobotSink

PUBLIC = "93.184.216.34"  # what the attacker's name answers first: passes any check


def fake_resolver(monkeypatch, *answers: str) -> list[str]:
    """getaddrinfo answering each lookup with the next address (the last one repeats);
    returns the list of names looked up."""
    asked: list[str] = []
    queue = list(answers)

    def getaddrinfo(host, port, *args, **kwargs):
        asked.append(host)
        ip = queue.pop(0) if len(queue) > 1 else queue[0]
        family = socket.AF_INET6 if ":" in ip else socket.AF_INET
        sockaddr = (ip, int(port), 0, 0) if family == socket.AF_INET6 else (ip, int(port))
        return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr)]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def loopback_only(monkeypatch) -> list[str]:
    """Connections beyond loopback fail like an unreachable host (OSError), and are recorded."""
    tried: list[str] = []
    guarded = socket.socket.connect  # the root conftest's guard, itself around the real connect

    def connect(self, address):
        tried.append(address[0])
        if address[0] not in ("127.0.0.1", "::1"):
            raise ConnectionRefusedError(f"unreachable in tests: {address[0]}")
        return guarded(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return tried


@pytest.fixture
def robot_sink():
    s = RobotSink()
    yield s
    s.close()


def serve(handler_class):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def stop(server):
    server.shutdown()
    server.server_close()


def test_dns_rebinding_never_reaches_loopback(settings, monkeypatch, robot_sink):
    """The name answers a public address to the check and 127.0.0.1 to the connection."""
    settings.LIHUI_NOTIFY_ALLOW_PRIVATE = False
    asked = fake_resolver(monkeypatch, PUBLIC, "127.0.0.1")
    tried = loopback_only(monkeypatch)
    with pytest.raises(http.HttpError):
        http.post(f"http://robot.example:{robot_sink.server.server_port}/hook", body=b"{}")
    assert robot_sink.posts == 0, "the loopback robot must never be reached"
    assert tried == [PUBLIC], "the connection goes to the address that was checked"
    assert asked == ["robot.example"], "the name is resolved once"


def test_the_checked_address_is_used_with_the_name_in_the_host_header(settings, monkeypatch, robot_sink):
    settings.LIHUI_NOTIFY_ALLOW_PRIVATE = True  # a loopback robot, as an admin may allow
    port = robot_sink.server.server_port
    asked = fake_resolver(monkeypatch, "127.0.0.1", "10.9.9.9")
    tried = loopback_only(monkeypatch)
    response = http.post(f"http://robot.example:{port}/hook?key=K", body=b'{"a":1}', headers={"X-Lihui-Test": "1"})
    assert response.status == 200 and json.loads(response.body) == {"errcode": 0, "errmsg": "ok"}
    [received] = robot_sink.received
    assert received["path"] == "/hook?key=K" and received["body"] == b'{"a":1}'
    assert received["headers"]["Host"] == f"robot.example:{port}"
    assert received["headers"]["X-Lihui-Test"] == "1" and received["headers"]["User-Agent"] == http.USER_AGENT
    assert asked == ["robot.example"] and tried == ["127.0.0.1"]


def test_every_resolved_address_is_checked(settings, monkeypatch, robot_sink):
    """A name with a public and a private address is refused, whichever comes first."""
    settings.LIHUI_NOTIFY_ALLOW_PRIVATE = False

    def getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, int(port))) for ip in (PUBLIC, "127.0.0.1")]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    tried = loopback_only(monkeypatch)
    with pytest.raises(http.HttpError) as caught:
        http.post(f"http://robot.example:{robot_sink.server.server_port}/hook", body=b"{}")
    assert caught.value.permanent and tried == [] and robot_sink.posts == 0


def test_the_refusal_does_not_say_where_a_name_points(settings, monkeypatch, caplog):
    """The error reaches the chair (a robot's last error): it must not be a DNS oracle for
    the intranet. The resolved address goes to the server log only."""
    settings.LIHUI_NOTIFY_ALLOW_PRIVATE = False
    fake_resolver(monkeypatch, "10.20.30.40")
    with caplog.at_level("WARNING", logger="lihui.notify"), pytest.raises(http.HttpError) as caught:
        http.post("https://intranet.corp.example/hook", body=b"{}")
    assert caught.value.permanent
    assert "10.20.30.40" not in str(caught.value) and "private" not in str(caught.value)
    assert str(caught.value) == "intranet.corp.example: this address is not allowed"
    assert "10.20.30.40" in caplog.text


def test_a_redirect_hop_is_checked_and_never_resolved_again(settings, monkeypatch, robot_sink):
    """307 to the same host: the next hop goes to the address already checked (a second
    lookup would be a second chance to rebind)."""
    settings.LIHUI_NOTIFY_ALLOW_PRIVATE = True
    port = robot_sink.server.server_port

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(307)
            self.send_header("Location", f"http://robot.example:{port}/moved")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = serve(Redirect)
    try:
        asked = fake_resolver(monkeypatch, "127.0.0.1", "10.9.9.9")
        # Same name, other port: the redirect keeps the host, so it reuses the checked address.
        response = http.post(f"http://robot.example:{server.server_port}/hook", body=b'{"x":1}')
    finally:
        stop(server)
    assert response.status == 200
    [received] = robot_sink.received
    assert (
        received["path"] == "/moved" and received["body"] == b'{"x":1}' and received["headers"]["Host"] == f"robot.example:{port}"
    )
    assert asked == ["robot.example"]


@pytest.mark.parametrize("location", ["http://127.0.0.2:1/elsewhere", "http://other.example/x", "ftp://robot.example/x"])
def test_a_redirect_to_another_host_is_refused_without_echoing_it(settings, location):
    settings.LIHUI_NOTIFY_ALLOW_PRIVATE = True

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self):
            self.send_response(308)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = serve(Redirect)
    try:
        with pytest.raises(http.HttpError) as caught:
            http.post(f"http://127.0.0.1:{server.server_port}/hook", body=b"{}")
    finally:
        stop(server)
    assert caught.value.permanent and location not in str(caught.value)


def test_endless_redirects_stop(settings):
    settings.LIHUI_NOTIFY_ALLOW_PRIVATE = True

    class Loop(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(307)
            self.send_header("Location", "/again")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = serve(Loop)
    try:
        with pytest.raises(http.HttpError, match="too many redirects") as caught:
            http.post(f"http://127.0.0.1:{server.server_port}/hook", body=b"{}")
    finally:
        stop(server)
    assert caught.value.permanent


# --- TLS: the certificate is checked for the name, though the connection goes to an address


def _certificate(tmp_path, name: str):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_file, key_file = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


@pytest.fixture
def tls_robot(tmp_path, monkeypatch):
    """A loopback HTTPS robot with a certificate for robot.example; Lihui trusts only it."""
    cert_file, key_file = _certificate(tmp_path, "robot.example")
    seen: dict = {"sni": []}

    class Robot(BaseHTTPRequestHandler):
        def do_POST(self):
            seen["host"] = self.headers.get("Host")
            seen["body"] = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert_file, key_file)
    server_tls.sni_callback = lambda sock, name, ctx: seen["sni"].append(name)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Robot)
    server.daemon_threads = True
    server.socket = server_tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def trusting_only_the_test_robot():
        context = ssl.create_default_context(cafile=str(cert_file))
        return context

    monkeypatch.setattr(http, "tls_context", trusting_only_the_test_robot)
    yield server, seen
    stop(server)


def test_tls_keeps_the_name_for_sni_and_the_certificate(settings, monkeypatch, tls_robot):
    server, seen = tls_robot
    settings.LIHUI_NOTIFY_ALLOW_PRIVATE = True
    asked = fake_resolver(monkeypatch, "127.0.0.1")
    response = http.post(f"https://robot.example:{server.server_port}/hook", body=b'{"t":1}')
    assert response.status == 200
    assert (
        seen["sni"] == ["robot.example"] and seen["host"] == f"robot.example:{server.server_port}" and seen["body"] == b'{"t":1}'
    )
    assert asked == ["robot.example"]


def test_tls_refuses_a_certificate_for_another_name(settings, monkeypatch, tls_robot):
    """Connecting to an address must not weaken verification: the name must match."""
    server, seen = tls_robot
    settings.LIHUI_NOTIFY_ALLOW_PRIVATE = True
    fake_resolver(monkeypatch, "127.0.0.1")
    with pytest.raises(http.HttpError, match="certificate"):
        http.post(f"https://impostor.example:{server.server_port}/hook", body=b"{}")
    assert "body" not in seen


# --- what an answer may put in the error the chair reads


class _Answer(BaseHTTPRequestHandler):
    status = 500
    body = b""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize(
    "kind, status, body, shown",
    [
        ("wecom", 500, b"root:x:0:0:INTERNAL-SECRET", "HTTP 500 Internal Server Error"),
        ("webhook", 403, b"<html>INTERNAL-SECRET</html>", "HTTP 403 Forbidden"),
        ("dingtalk", 200, b"INTERNAL-SECRET not json", "HTTP 200: the answer is not JSON"),
        ("wecom", 200, b'{"errcode": 93000, "errmsg": "INTERNAL-SECRET"}', "wecom errcode 93000"),
    ],
)
def test_the_answer_body_never_reaches_the_last_error(db, settings, make_channel, kind, status, body, shown, caplog):
    settings.LIHUI_NOTIFY_ALLOW_PRIVATE = True
    handler = type("Answer", (_Answer,), {"status": status, "body": body})
    server = serve(handler)
    try:
        urls = {"wecom": "/cgi-bin/webhook/send?key=K", "dingtalk": "/robot/send?access_token=T", "webhook": "/hook"}
        channel = make_channel(kind, url=f"http://127.0.0.1:{server.server_port}{urls[kind]}", secret="s" * 16)
        message_enqueue(kind="series_note", object=channel.series, channels=[channel], subject="议程", text="议程已发布")
        with caplog.at_level("INFO", logger="lihui.notify"):
            deliver_due(worker="t")
    finally:
        stop(server)
    message = Message.objects.get(channel=channel)
    assert message.last_error.startswith(shown) and "INTERNAL-SECRET" not in message.last_error


def test_a_server_that_is_not_http_is_not_quoted(settings):
    """Whatever listens there (a cache, a mail server) must not get its banner shown."""
    import socketserver

    class Banner(socketserver.BaseRequestHandler):
        def handle(self):
            self.request.recv(65536)
            self.request.sendall(b"+OK INTERNAL-SECRET banner\r\n")

    settings.LIHUI_NOTIFY_ALLOW_PRIVATE = True
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Banner)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(http.HttpError) as caught:
            http.post(f"http://127.0.0.1:{server.server_address[1]}/hook", body=b"{}")
    finally:
        stop(server)
    assert "INTERNAL-SECRET" not in str(caught.value) and "no valid HTTP answer" in str(caught.value)


# --- which addresses count as private (finding 15): embedded IPv4 judged as IPv4


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "240.0.0.1",
        "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "ff02::1",
        "::127.0.0.1", "::10.0.0.1", "::169.254.169.254",  # IPv4-compatible (deprecated, still routed by some stacks)
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",  # IPv4-mapped
        "64:ff9b::7f00:1", "64:ff9b::10.0.0.1", "64:ff9b::a9fe:a9fe",  # NAT64 well-known prefix
        "64:ff9b:1::7f00:1", "64:ff9b:1::808:808", "64:ff9b:1:7f00:1::",  # NAT64 local-use: the operator's own network
        "2002:7f00:1::", "2002:a00:1::1", "2002:a9fe:a9fe::1",  # 6to4
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo (documentation example)
    ],
)  # fmt: skip
def test_private_addresses_are_not_allowed(address):
    assert not http.address_allowed(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address",
    ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "2002:808:808::1"],
)
def test_public_addresses_are_allowed(address):
    """DNS64 (an IPv6-only office reaching a public robot) and mapped public addresses work."""
    assert http.address_allowed(ipaddress.ip_address(address))


@pytest.mark.parametrize("host", ["::127.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::", "::ffff:7f00:1", "64:ff9b:1::a00:1"])
def test_a_url_with_an_embedded_loopback_address_is_refused(settings, host):
    settings.LIHUI_NOTIFY_ALLOW_PRIVATE = False
    with pytest.raises(http.HttpError) as caught:
        http.post(f"http://[{host}]:9/hook", body=b"{}")
    assert caught.value.permanent

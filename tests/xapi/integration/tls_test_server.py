#!/usr/bin/env python3
"""A tiny HTTPS server for the client's TLS tests: answers every POST with an XAPI success
envelope holding "pong". Usage: tls_test_server.py CERT KEY; prints the port it listens on
(127.0.0.1, chosen by the OS) on stdout, then serves until stdin closes or it is killed."""
import http.server
import ssl
import sys
import threading

BODY = (b"<?xml version='1.0'?><methodResponse><params><param><value><struct>"
        b"<member><name>Status</name><value>Success</value></member>"
        b"<member><name>Value</name><value>pong</value></member>"
        b"</struct></value></param></params></methodResponse>")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args):
        pass


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[1], sys.argv[2])
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # the test closes our stdin to stop us
    server.shutdown()


if __name__ == "__main__":
    main()

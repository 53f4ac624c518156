#!/usr/bin/env python3
"""A tiny XML-RPC server on 127.0.0.1 for the client's tests over real sockets.

Usage: xmlrpc_test_server.py ANSWER [CERT KEY]
Logs anyone in (session.login_with_password -> a session ref), answers session.logout with void,
and every other call with a XAPI success envelope around the <value> content ANSWER (e.g.
'<i4>42</i4>' for hostile-answer tests, 'pong' for TLS tests). With CERT and KEY it serves HTTPS.
Prints the port (chosen by the OS) on stdout, then serves until stdin closes or it is killed."""
import http.server
import re
import ssl
import sys
import threading


def envelope(value_xml):
    return ("<?xml version='1.0'?><methodResponse><params><param><value><struct>"
            "<member><name>Status</name><value>Success</value></member>"
            "<member><name>Value</name><value>" + value_xml + "</value></member>"
            "</struct></value></param></params></methodResponse>").encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    answer = ""

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        match = re.search(r"<methodName>([^<]*)</methodName>", body)
        method = match.group(1) if match else ""
        if method == "session.login_with_password":
            reply = envelope("OpaqueRef:test-server-session")
        elif method == "session.logout":
            reply = envelope("")
        else:
            reply = envelope(Handler.answer)
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


def main():
    Handler.answer = sys.argv[1]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if len(sys.argv) >= 4:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[2], sys.argv[3])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # the test closes our stdin to stop us
    server.shutdown()


if __name__ == "__main__":
    main()

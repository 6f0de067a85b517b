#!/usr/bin/env python3
"""Azure Blob helpers for scripts/rig.sh (standard library only).

  azure.py count ENDPOINT CONTAINER KEY PREFIX [CONTAINS]
      prints how many blobs under PREFIX (whose names contain CONTAINS) the container holds;
      a Shared Key List Blobs, paged.
  azure.py skew-proxy LISTEN_PORT UPSTREAM_PORT
      an HTTP proxy in front of Azurite that enforces what Azure enforces and Azurite does not:
      a request whose x-ms-date is more than 15 minutes away from this machine's clock gets
      403 AuthenticationFailed "Request date header too old" with a Date header, like Azure.
      Everything else is passed through unchanged.
"""
import base64
import email.utils
import hashlib
import hmac
import http.client
import http.server
import re
import sys
import time
import urllib.parse

VERSION = "2021-08-06"


def count(endpoint, container, key, prefix, contains=""):
    url = urllib.parse.urlsplit(endpoint)
    account = url.path.strip("/") or url.hostname.split(".")[0]
    total, marker = 0, ""
    while True:
        query = {"restype": "container", "comp": "list", "prefix": prefix, "maxresults": "5000"}
        if marker:
            query["marker"] = marker
        date = email.utils.formatdate(usegmt=True)
        resource = f"/{account}{url.path.rstrip('/')}/{container}"
        canon = resource + "".join(f"\n{k}:{query[k]}" for k in sorted(query))
        sts = "GET\n" + "\n" * 11 + f"x-ms-date:{date}\nx-ms-version:{VERSION}\n" + canon
        sig = base64.b64encode(hmac.new(base64.b64decode(key), sts.encode(), hashlib.sha256).digest())
        conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=30)
        conn.request("GET", f"{url.path.rstrip('/')}/{container}?" + urllib.parse.urlencode(query),
                     headers={"x-ms-date": date, "x-ms-version": VERSION,
                              "Authorization": f"SharedKey {account}:{sig.decode()}"})
        res = conn.getresponse()
        body = res.read().decode()
        if res.status != 200:
            sys.exit(f"list failed: HTTP {res.status}: {body[:300]}")
        total += sum(1 for name in re.findall(r"<Name>([^<]*)</Name>", body) if contains in name)
        found = re.search(r"<NextMarker>([^<]+)</NextMarker>", body)
        if not found:
            print(total)
            return
        marker = found.group(1)


class SkewProxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = 0

    def log_message(self, *args):
        pass

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        sent = self.headers.get("x-ms-date")
        if sent:
            skew = time.time() - email.utils.parsedate_to_datetime(sent).timestamp()
            if abs(skew) > 15 * 60:
                text = ("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthenticationFailed"
                        "</Code><Message>Server failed to authenticate the request. Request date "
                        "header too old: '" + sent + "'\n</Message></Error>").encode()
                self.send_response(403)
                self.send_header("x-ms-error-code", "AuthenticationFailed")
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(text)
                return
        conn = http.client.HTTPConnection("127.0.0.1", self.upstream, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        conn.request(self.command, self.path, body=body, headers=headers)
        res = conn.getresponse()
        data = res.read()
        self.send_response_only(res.status, res.reason)
        for k, v in res.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = _handle


def main():
    if len(sys.argv) >= 6 and sys.argv[1] == "count":
        count(*sys.argv[2:7])
    elif len(sys.argv) == 4 and sys.argv[1] == "skew-proxy":
        SkewProxy.upstream = int(sys.argv[3])
        server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), SkewProxy)
        server.serve_forever()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

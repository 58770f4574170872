#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A small HTTP server on 127.0.0.1 for the weights-fetch tests: serves the files of --root with Range support, and
misbehaves on request. Standard library only (no torch). Prints the port it listens on as its first line.

Paths are /MODE/NAME, NAME a file in --root:
  ok/       the file; a "Range: bytes=N-" request gets 206 and the bytes from N
  cut/      the first request of the server's life gets the full Content-Length but only --cut-after bytes, then
            the connection closes; later requests are served as ok/
  norange/  the whole file with 200 whatever the Range header says
  stall/    200 and the headers, then no byte for --stall-seconds (the client's timeout fires first)
  wrong/    bytes of the same length, each one inverted (a corrupt mirror)
  redirect/ 302 to ok/NAME
  anything else, or a missing file: 404
A request in absolute form (GET http://host/MODE/NAME: this server used as an HTTP proxy) is served the same way.
Each request is appended to --log as one JSON line: {"path": ..., "range": ... or null} (path as requested).

Usage: serve.py --root DIR [--log FILE] [--cut-after N] [--stall-seconds S] [--lifetime S]"""
import argparse
import http.server
import json
import os
import socketserver
import sys
import threading
import time


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "edgescope-test/1"

    def log_message(self, format, *args):  # quiet: the test reads --log instead
        pass

    def do_GET(self):
        options = self.server.options
        self.record()
        path = self.path
        if path.startswith("http://"):  # absolute form: a client using this server as its HTTP proxy
            path = "/" + path[len("http://"):].split("/", 1)[-1]
        parts = path.split("?", 1)[0].strip("/").split("/", 1)
        mode, name = (parts[0], parts[1]) if len(parts) == 2 else ("", "")
        path = os.path.join(options.root, os.path.basename(name))
        if mode not in ("ok", "cut", "norange", "stall", "wrong", "redirect") or not os.path.isfile(path):
            return self.answer(404, b"not found\n")
        if mode == "redirect":
            self.send_response(302)
            self.send_header("Location", "/ok/" + name)
            self.send_header("Content-Length", "0")
            return self.end_headers()
        with open(path, "rb") as f:
            data = f.read()
        if mode == "wrong":
            data = bytes(b ^ 0xFF for b in data)
        if mode == "stall":
            return self.stall(len(data))
        if mode == "cut" and self.server.take_cut():
            return self.cut(data)
        start = self.range_start() if mode != "norange" else None
        if start is not None and start >= len(data):
            self.send_response(416)
            self.send_header("Content-Range", "bytes */%d" % len(data))
            self.send_header("Content-Length", "0")
            return self.end_headers()
        if start is None:
            return self.answer(200, data)
        self.send_response(206)
        self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        self.send_header("Content-Length", str(len(data) - start))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        self.wfile.write(data[start:])

    def record(self):
        with self.server.log_lock:
            if self.server.options.log:
                with open(self.server.options.log, "a") as log:
                    log.write(json.dumps({"path": self.path, "range": self.headers.get("Range")}) + "\n")

    def range_start(self):
        value = self.headers.get("Range")
        if not value or not value.startswith("bytes=") or "," in value:
            return None
        first = value[len("bytes="):].split("-", 1)[0]
        return int(first) if first.isdigit() else None

    def answer(self, status, body):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        self.wfile.write(body)

    def cut(self, data):
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: self.server.options.cut_after])
        self.wfile.flush()
        self.close_connection = True

    def stall(self, size):
        self.send_response(200)
        self.send_header("Content-Length", str(size))
        self.end_headers()
        self.wfile.flush()
        time.sleep(self.server.options.stall_seconds)
        self.close_connection = True


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, options):
        super().__init__(("127.0.0.1", 0), Handler)
        self.options = options
        self.log_lock = threading.Lock()
        self.cut_lock = threading.Lock()
        self.cut_done = False

    def take_cut(self):
        with self.cut_lock:
            first = not self.cut_done
            self.cut_done = True
            return first


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", required=True)
    parser.add_argument("--log")
    parser.add_argument("--cut-after", type=int, default=1000)
    parser.add_argument("--stall-seconds", type=float, default=30)
    parser.add_argument("--lifetime", type=float, default=300, help="exit after this many seconds, whatever happens")
    options = parser.parse_args()
    server = Server(options)
    # Bounded in time: a test that dies without stopping the server does not leave it running.
    threading.Timer(options.lifetime, lambda: os._exit(0)).start()
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

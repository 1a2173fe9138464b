#!/usr/bin/env python3
"""Live preview latency: the time from saving a file to the reloaded page.

Starts the release binary with `serve --watch` on a copy of content/, listens to its
reload stream like a browser tab does, then RUNS times: changes the title of about.md
(written through a temporary file and a rename, as many editors save), waits for the
reload event, and fetches the page until it shows the new title. Prints each run and
the median, from the write to (a) the reload event and (b) the new page in hand.

    benches/watch.py [RUNS, default 20] [CONTENT_DIR, default content/]

A large tree (from ../shared/tools/gen-corpus.py) shows how the preview grows with the
site; the server's resident memory after the first and the last save is printed too.
WBT_BENCH_BINARY=PATH runs that binary instead of this tree's release build.
"""
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
SOURCE = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "content")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def resident_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main():
    binary = os.environ.get("WBT_BENCH_BINARY") or subprocess.run(
        [os.path.join(ROOT, ".ci/wbt-site-binary"), "--release"],
        cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()
    work = tempfile.mkdtemp()
    content = os.path.join(work, "content")
    shutil.copytree(SOURCE, content)
    port = free_port()
    server = subprocess.Popen(
        [binary, "serve", "--watch",
         "--content", content, "--addr", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env={**os.environ, "RUST_LOG": "warn"})
    try:
        server.stdout.readline()
        events = []
        ready = threading.Event()

        def listen():
            conn = http.client.HTTPConnection("127.0.0.1", port)
            conn.request("GET", "/_wbt/events")
            response = conn.getresponse()
            ready.set()
            while True:
                line = response.fp.readline()
                if not line:
                    return
                if line.startswith(b"event: reload"):
                    events.append(time.perf_counter())

        threading.Thread(target=listen, daemon=True).start()
        ready.wait(5)
        about = os.path.join(content, "about.md")
        original = open(about, encoding="utf-8").read()
        to_event, to_page = [], []
        rss = []
        for run in range(RUNS):
            title = f"About the office, edit {run}"
            text = original.replace('title = "About', f'title = "{title}', 1).replace(
                f'title = "{title}', f'title = "{title} —', 1)
            seen = len(events)
            temp = os.path.join(content, ".about.md.tmp")
            start = time.perf_counter()
            with open(temp, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(temp, about)
            while len(events) == seen:
                time.sleep(0.001)
                if time.perf_counter() - start > 60:
                    sys.exit("no reload event within 60 s")
            to_event.append((events[seen] - start) * 1000)
            while True:
                conn = http.client.HTTPConnection("127.0.0.1", port)
                conn.request("GET", "/about/")
                body = conn.getresponse().read().decode()
                if title in body:
                    break
            to_page.append((time.perf_counter() - start) * 1000)
            rss.append(resident_mb(server.pid))
            print(f"run {run + 1:2}: reload event {to_event[-1]:6.1f} ms, new page {to_page[-1]:6.1f} ms, "
                  f"resident {rss[-1]:.0f} MB")
            time.sleep(0.2)
        print(f"median of {RUNS}: save -> reload event {statistics.median(to_event):.0f} ms, "
              f"save -> reloaded page {statistics.median(to_page):.0f} ms; "
              f"resident {rss[0]:.0f} MB after the first save, {rss[-1]:.0f} MB after the last")
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(work)


if __name__ == "__main__":
    main()

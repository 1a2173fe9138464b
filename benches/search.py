#!/usr/bin/env python3
"""Search latency: 1,000 queries from a fixed list against a running wbt-site, one after
another on one keep-alive connection, with the median and the 99th percentile; beside
them, in the same run, the same number of requests for a static page (/about/) as the
reference. Also reads how long the server took to build its search index (its log line)
and its resident memory once serving.

    benches/search.py [CONTENT_DIR]                  # default: content/
    benches/search.py --corpus PAGES                 # a tree made by gen-corpus.py

Uses the release binary (.ci/wbt-site-binary --release builds it; WBT_SITE_BIN names
another). Only 127.0.0.1 is used.
"""
import http.client
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

QUERIES = [
    "migration", "return", "returning", "border management", "turkiye", "Türkiye",
    "istanbul", "İstanbul", "pristina", "Prishtina", "serbia", "bosnia", "diaspora",
    "entrepreneurship", "grants", "ibm", "IBM", "trafficking", "protection", "refugees",
    "frontex", "2016", "statement", "european union", "capacity", "dialogue", "labour",
    "civil society", "skopje", "sarajevo", "belgrade", "ankara", "kosovo", "albania",
    "montenegro", "north macedonia", "project", "news", "office", "zzzqqq",
    "title:(", "AND OR NOT", '"quoted"', "<script>", "a" * 300, "göç", "ülke",
    "integration", "voluntary return", "western balkans",
]
COUNT = 1000


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def timed_gets(port, paths):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times = []
    for path in paths:
        started = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        times.append((time.perf_counter() - started) * 1000)
        if response.status not in (200, 404):
            raise SystemExit(f"search.py: {path} answered {response.status}")
    connection.close()
    return times


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.chdir(root)
    binary = os.environ.get("WBT_SITE_BIN") or subprocess.run(
        [".ci/wbt-site-binary", "--release"], check=True, capture_output=True, text=True
    ).stdout.strip()
    work = tempfile.TemporaryDirectory()
    content = "content"
    if len(sys.argv) > 2 and sys.argv[1] == "--corpus":
        gen = os.path.join(root, "..", "shared", "tools", "gen-corpus.py")
        content = os.path.join(work.name, "corpus")
        subprocess.run([sys.executable, gen, "--from", "content", "--out", content,
                        "--pages", sys.argv[2]], check=True, capture_output=True)
    elif len(sys.argv) > 1:
        content = sys.argv[1]
    log = open(os.path.join(work.name, "log"), "w+")
    server = subprocess.Popen([binary, "serve", "--content", content, "--addr", "127.0.0.1:0"],
                              stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        line = server.stdout.readline()
        port = int(re.search(r"127\.0\.0\.1:(\d+)", line).group(1))
        paths = [f"/search?q={urllib.parse.quote_plus(QUERIES[i % len(QUERIES)])}"
                 for i in range(COUNT)]
        timed_gets(port, paths[:50])  # warm up
        search = timed_gets(port, paths)
        static = timed_gets(port, ["/about/"] * COUNT)
        with open(f"/proc/{server.pid}/status") as status:
            rss = next(l for l in status if l.startswith("VmRSS")).split()[1]
        log.flush()
        log.seek(0)
        built = re.search(r"built the search index ms=(\d+)", log.read())
        pages = sum(len(files) for _, _, files in os.walk(content))
        print(f"== {content}: {pages} files")
        print(f"search index built in {built.group(1) if built else '?'} ms; "
              f"serving RSS {int(rss) // 1024} MB")
        print(f"search  ({COUNT} queries): median {statistics.median(search):.2f} ms, "
              f"p99 {percentile(search, 0.99):.2f} ms")
        print(f"/about/ ({COUNT} requests): median {statistics.median(static):.2f} ms, "
              f"p99 {percentile(static, 0.99):.2f} ms")
        print(f"ratio search/static median: {statistics.median(search) / statistics.median(static):.1f}")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()

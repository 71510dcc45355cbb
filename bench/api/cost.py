"""Server CPU per request, per query shape, closed loop (bench/api/queries.sh with COST=N).

Sends each query N times from THREADS keep-alive connections (no fixed rate: the server is never
saturated, so the figure is its cost, not its queue) and reads the server process's CPU time from
/proc before and after. The shapes isolate what a page of devices costs: the seed's page with and
without its batched child (`deviceGroup`), with ids only, a trivial query (the fixed cost of a
request: HTTP, credentials, GraphQL), and the benchmark's other queries. Rounds: WARMUP_ROUNDS
unreported, then ROUNDS reported (defaults 2 and 2); figures move by 10-20 % between rounds.

Usage: cost.py INFO_FILE N [THREADS]
"""
import http.client
import json
import os
import random
import sys
import threading
import time
import urllib.parse

info = {}
for line in open(sys.argv[1]):
    if "=" in line and not line.startswith("#"):
        key, value = line.strip().split("=", 1)
        info[key] = value.replace("\\:", ":")
n = int(sys.argv[2])
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 3
url = urllib.parse.urlparse(info["url"])
devices = int(info["devices"])
rng = random.Random(42)


def page():
    return {"p": info["product"], "page": 1 + rng.randrange(devices // 100)}


PRODUCT_PAGE = "query($p: ID!, $page: Int) { product(id: $p) { id name devices(page: $page, perPage: 100) { %s } } }"
SHAPES = {
    "page of 100 devices (seed ListProductDevices)": (
        PRODUCT_PAGE % "id name online lastIp deviceGroup { name }", page),
    "  the same without deviceGroup": (PRODUCT_PAGE % "id name online lastIp", page),
    "  the same with ids only": (PRODUCT_PAGE % "id", page),
    "login.devices (page of 100)": (
        "query($from: Int) { login { devices(from: $from, size: 100) { total hasMore last items {"
        " id name online firmwareVersion { version } } } } }",
        lambda: {"from": rng.randrange(devices - 100)}),
    "results filtered by FAILED (page of 100)": (
        "query($id: ID!, $from: Int) { firmwareOTAJob(id: $id) { resultPage(filter: {states:"
        " [\"FAILED\"]}, from: $from, size: 100) { total hasMore items { deviceId state errorCode } } } }",
        lambda: {"id": info["finishedJob"], "from": rng.randrange(max(1, devices * 3 // 100 - 100))}),
    "GetDevice (seed)": (
        "query($d: ID!) { device(id: $d) { id name online lastHeard firmwareVersion { version title }"
        " variables { name type } functions { name } } }",
        lambda: {"d": info["devicePrefix"] + "%06d" % (1 + rng.randrange(devices))}),
    "a trivial query (login.viewer.actor)": ("{ login { viewer { actor } } }", lambda: {}),
}


def server_cpu_ms():
    fields = open("/proc/%s/stat" % info["pid"]).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")


def measure(query, variables):
    errors = []

    def worker(count):
        connection = http.client.HTTPConnection(url.hostname, url.port)
        for _ in range(count):
            body = json.dumps({"query": query, "variables": variables()})
            connection.request("POST", url.path, body, {
                "Content-Type": "application/json", "Authorization": "Bearer " + info["token"]})
            response = connection.getresponse()
            data = response.read()
            if response.status != 200 or b'"errors"' in data:
                errors.append(data[:200])

    before, start = server_cpu_ms(), time.time()
    workers = [threading.Thread(target=worker, args=(n // threads,)) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    sent = n // threads * threads
    return (server_cpu_ms() - before) / sent, sent / (time.time() - start), errors


warmup_rounds = int(os.environ.get("WARMUP_ROUNDS", "2"))
rounds = int(os.environ.get("ROUNDS", "2"))
for r in range(warmup_rounds):
    print("warm-up round %d/%d" % (r + 1, warmup_rounds), file=sys.stderr, flush=True)
    for query, variables in SHAPES.values():
        measure(query, variables)
print("%-48s %s" % ("query (%d devices; %d requests a round)" % (devices, n),
                    "  ".join("cpu ms/req r%d" % (r + 1) for r in range(rounds))))
results = {name: [] for name in SHAPES}
for r in range(rounds):
    print("round %d/%d" % (r + 1, rounds), file=sys.stderr, flush=True)
    for name, (query, variables) in SHAPES.items():
        cost, rate, errors = measure(query, variables)
        if errors:
            sys.exit("%s: %d errors, first: %s" % (name, len(errors), errors[0]))
        results[name].append(cost)
for name, costs in results.items():
    print("%-48s %s" % (name, "  ".join("%13.2f" % c for c in costs)))

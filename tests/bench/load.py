"""A bounded HTTP load generator on loopback (a benchmark helper): threads with http.client.

``saturate`` keeps ``clients`` requests in flight for ``seconds`` (each thread sends its next
request as soon as the last one answered) and returns requests per second: what the server
sustains. ``think_time_latencies`` plays ``users`` members who each load a page, read it for
``think`` seconds (± 20%) and load the next, and returns every response time (a request that
failed or took longer than TIMEOUT counts with the time it took to fail) and how many failed:
what a member waits at that load. ``saturate`` counts only answers of status 200.
"""

import http.client
import itertools
import random
import threading
import time

# As behind the HTTPS proxy of production: the app sees https and does not redirect.
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
TIMEOUT = 10


def fetch(port, path, cookie=""):
    """One GET on a new connection (gunicorn's sync workers close after each answer); its seconds."""
    headers = {**PROXY_HEADERS, **({"Cookie": cookie} if cookie else {})}
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    elapsed = time.perf_counter() - started
    if response.status != 200:
        raise AssertionError(f"GET {path}: {response.status}")
    return elapsed


def saturate(port, requests, *, clients, seconds):
    """Requests/s with ``clients`` requests in flight; ``requests`` yields (path, cookie) forever."""
    lock = threading.Lock()
    source = iter(requests)
    done = []
    errors = []
    deadline = time.perf_counter() + seconds

    def client():
        count = 0
        try:
            while time.perf_counter() < deadline:
                with lock:
                    path, cookie = next(source)
                fetch(port, path, cookie)
                count += 1
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)
        done.append(count)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return sum(done) / elapsed


def think_time_latencies(port, users, *, think, seconds):
    """(every response time, how many failed) of ``users`` (lists of (path, cookie), one per user)
    reading each page ``think`` seconds; the users start spread over one think time, as they
    would arrive."""
    latencies = []
    failures = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def user(pages, seed):
        rng = random.Random(seed)
        time.sleep(rng.uniform(0, think))
        for path, cookie in itertools.cycle(pages):
            if time.perf_counter() >= deadline:
                return
            started = time.perf_counter()
            try:
                elapsed = fetch(port, path, cookie)
            except (OSError, AssertionError) as error:
                elapsed = time.perf_counter() - started
                failures.append(error)
            with lock:
                latencies.append(elapsed)
            time.sleep(think * rng.uniform(0.8, 1.2))

    threads = [threading.Thread(target=user, args=(pages, n), daemon=True) for n, pages in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, len(failures)

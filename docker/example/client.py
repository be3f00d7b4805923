#!/usr/bin/env python3
"""A small Gong client, as a test suite would hold one: it walks every page of calls of a quarter,
fetches the transcripts of the first calls, one call by id, and the users, waiting as long as
Retry-After says when it is rate-limited. It reads the base URL from GONG_BASE_URL (default
http://127.0.0.1:8080) and the credentials from GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET, and
uses nothing but Python's standard library."""
import base64
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

BASE = os.environ.get("GONG_BASE_URL", "http://127.0.0.1:8080").rstrip("/")
KEY = os.environ.get("GONG_ACCESS_KEY", "example-key")
SECRET = os.environ.get("GONG_ACCESS_KEY_SECRET", "example-secret")
AUTH = "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()


def call(path, body=None, tries=5):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, headers={"Authorization": AUTH})
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for attempt in range(tries):
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return json.load(r)
        except urllib.error.HTTPError as e:
            if e.code != 429 or attempt + 1 == tries:
                raise
            wait = int(e.headers.get("Retry-After", "1"))
            print(f"429 on {path}: retrying after {wait} s", flush=True)
            time.sleep(wait)


def main():
    query = "/v2/calls?" + urllib.parse.urlencode(
        {"fromDateTime": "2025-02-01T00:00:00Z", "toDateTime": "2025-05-01T00:00:00Z"})
    ids, pages, page = [], 0, call(query)
    while True:
        pages += 1
        ids += [c["id"] for c in page["calls"]]
        cursor = page["records"].get("cursor")
        if not cursor:
            break
        page = call(query + "&" + urllib.parse.urlencode({"cursor": cursor}))
    transcripts = call("/v2/calls/transcript", {"filter": {"callIds": ids[:3]}})
    one = call("/v2/calls/" + ids[0])
    users = call("/v2/users")
    print(f"calls: {len(ids)} in {pages} pages; transcripts: "
          f"{len(transcripts['callTranscripts'])}; call {one['call']['id']}: "
          f"{one['call']['title']!r}; users: {len(users['users'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

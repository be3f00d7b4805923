"""A Gong client as many are written: the base URL https://api.gong.io is in the code. It
reaches gongmock only through the environment: HTTPS_PROXY (requests sends CONNECT to it) and
REQUESTS_CA_BUNDLE (gongmock's CA). Prints how many calls it listed and in how many pages."""
import requests

BASE = "https://api.gong.io"


def main():
    session = requests.Session()
    session.auth = ("key", "secret")
    ids, pages, params = [], 0, {}
    while True:
        r = session.get(f"{BASE}/v2/calls", params=params, timeout=20)
        r.raise_for_status()
        page = r.json()
        pages += 1
        ids += [c["id"] for c in page["calls"]]
        cursor = page["records"].get("cursor")
        if not cursor:
            break
        params = {"cursor": cursor}
    print(f"{len(set(ids))} calls in {pages} pages")


main()

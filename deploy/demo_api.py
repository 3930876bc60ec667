"""What the demo scripts share: main-api's public API as a seller's script calls it.

`deploy/demo-listings.py` and `deploy/demo-inbound.py` import it from their own folder.
"""
import json
import sys
import urllib.error
import urllib.request


def call(base, token, method, path, body=None):
    """One API call: (HTTP status, the JSON answer), errors included."""
    request = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def connection_and_listings(base, token):
    """The first active Amazon connection's path prefix and its first page of listings; exits without one."""
    status, answer = call(base, token, "GET", "/api/v1/amazon/connections")
    connections = [c for c in answer.get("connections", []) if c["status"] == "active"] if status == 200 else []
    if not connections:
        sys.exit(f"no active Amazon connection (HTTP {status})")
    prefix = f"/api/v1/amazon/connections/{connections[0]['id']}"
    status, page = call(base, token, "GET", prefix + "/listings")
    if status != 200:
        sys.exit(f"listings answered HTTP {status}: {page}")
    return prefix, page

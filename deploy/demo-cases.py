#!/usr/bin/env python3
"""Gives deploy/up's demo seller cases in every state and money recovered, in the background.

Once claim-detector's claims have become cases (a few minutes after the demo's first sync), the
demo tenant files through the sandbox's Seller Central case desk, continuously, 30 a day: the rest
stay in the queue (ready, or waiting for documents). The desk answers a minute of sandbox time
later (approved in full or in part, denied, or asking for more); refund-engine's sweep reads the
answers; one question is answered; a Finances sync then brings Amazon's payments to the cases
(the reimbursements report lists them days later, and its lines then take their place).
Everything goes through the public API, as a seller's script would.

Usage: demo-cases.py MAIN_API_URL SANDBOX_URL EMAIL PASSWORD
"""
import json
import sys
import time
import urllib.error
import urllib.request

main_api, sandbox, email, password = sys.argv[1:5]


def call(method, url, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, {}


def log(text):
    print(time.strftime("%H:%M:%S"), text, flush=True)


_session = {"token": None, "at": 0.0}


def token():
    """The demo seller's session, signed in once and again only when it is old (login is rate
    limited; a session lasts longer than the ten minutes it is reused here)."""
    if _session["token"] and time.time() - _session["at"] < 600:
        return _session["token"]
    for attempt in range(10):
        status, body = call("POST", main_api + "/api/v1/auth/login", {"email": email, "password": password})
        if status == 200:
            _session.update(token=body["token"], at=time.time())
            return body["token"]
        if status != 429:
            break
        time.sleep(30)
    raise SystemExit(f"the demo seller could not log in ({status})")


def cases(status):
    _, body = call("GET", f"{main_api}/api/v1/cases?limit=500&status={status}", token=token())
    return body.get("cases", [])


def wait(what, condition, timeout=1800, every=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            log(what)
            return True
        time.sleep(every)
    log(f"gave up waiting for {what}")
    return False


# Each step can run again (a second deploy/up, or a run cut short): the walk is done once money arrived.
if cases("paid,partially_paid"):
    log("the demo's cases are already paid; nothing to do")
    raise SystemExit(0)
if not wait("cases made from the demo's claims", lambda: len(cases("ready,needs_documents")) > 0):
    raise SystemExit(1)
call("PUT", sandbox + "/_sandbox/case-desk", {"decisionDelaySeconds": 60})
status, _ = call("PUT", main_api + "/api/v1/filing", {"channel": "sandbox", "continuous": True, "dailyLimit": 30}, token=token())
log(f"continuous filing through the sandbox desk: HTTP {status}")
call("POST", main_api + "/api/v1/cases/file", {}, token=token())
wait("cases filed with Amazon",
     lambda: len(cases("filed,more_information_needed,approved,partially_approved,denied")) > 0, timeout=600)
wait("Amazon's answers (read by the sweep every five minutes)",
     lambda: len(cases("approved,partially_approved,denied,more_information_needed")) > 0, timeout=900, every=20)
questions = cases("more_information_needed")
if questions:
    call("POST", f"{main_api}/api/v1/cases/{questions[0]['id']}/reply",
         {"body": "The units are still missing: the reference ids in the case show the adjustment."}, token=token())
    log("answered one of Amazon's questions")
_, connections = call("GET", main_api + "/api/v1/amazon/connections", token=token())
# Finances show Amazon's payments at once; the reimbursements report lists them days later (and
# the sandbox, like Amazon, serves a report requested within four hours again): the money reaches
# the cases from Finances, and the report's lines take over when a later sync brings them.
for connection in connections.get("connections", []):
    for dataset in ("financial_events", "reimbursements"):
        status, _ = call("POST", f"{main_api}/api/v1/amazon/connections/{connection['id']}/syncs", {"dataset": dataset}, token=token())
        log(f"{dataset} sync of {connection['id']}: HTTP {status}")
wait("money on the demo's cases", lambda: len(cases("paid,partially_paid")) > 0, timeout=900, every=15)

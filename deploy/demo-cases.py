#!/usr/bin/env python3
"""Gives deploy/up's demo seller cases in every state and money recovered, in the background.

Once claim-detector's claims have become cases (a few minutes after the demo's first sync), the
demo tenant files through the sandbox's Seller Central case desk, continuously, 30 a day: the rest
stay in the queue (ready, or waiting for documents). The desk answers a minute of sandbox time
later (approved in full or in part, denied, or asking for more); refund-engine's sweep reads the
answers; one question is answered; a Finances sync then brings Amazon's payments to the cases
(the reimbursements report lists them days later, and its lines then take their place).
Before filing, the seller uploads two supplier invoices (made by opside-sample-invoice): one names
a claim's SKU and proves it outright; the other, in euros and for fewer units than were lost,
leaves a question waiting on the prompts page. Paid cases then get their proof packets.
Opside's commission on the first money recovered is then paid: the seller saves a test card on
the Stripe sandbox's Checkout page and settles what is due (a paid invoice); the commission on
money paid later (the case whose question was answered, decided again) waits for the next
invoice: the upcoming one.
The demo has a partner too: Northwind Agency (partner@opside.test, the same password), which
brought the demo seller (the seller gives its code on the Billing page). It sets up payouts on the
Stripe sandbox's Express onboarding page, earns its share of the commission the seller pays, pays
part of it out (the bank has it two sandbox days later) and has a second payout on its way.
Everything goes through the public API, as a seller's script would.

Usage: demo-cases.py MAIN_API_URL SANDBOX_URL EMAIL PASSWORD SAMPLE_INVOICE_TOOL STRIPE_SANDBOX_URL
"""
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

main_api, sandbox, email, password, sample_invoice, stripe_sandbox = sys.argv[1:7]
partner_email = "partner@opside.test"


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


_sessions = {}


def token(who=None):
    """The session of the demo seller (or of `who`), signed in once and again only when it is old
    (login is rate limited; a session lasts longer than the ten minutes it is reused here)."""
    who = who or email
    kept = _sessions.get(who)
    if kept and time.time() - kept[1] < 600:
        return kept[0]
    for attempt in range(10):
        status, body = call("POST", main_api + "/api/v1/auth/login", {"email": who, "password": password})
        if status == 200:
            _sessions[who] = (body["token"], time.time())
            return body["token"]
        if status != 429:
            break
        time.sleep(30)
    raise SystemExit(f"{who} could not log in ({status})")


def upload(files):
    """Uploads files as one multipart request, as the documents page does; returns each file's outcome."""
    boundary = "----opside-demo-" + uuid.uuid4().hex
    body = b""
    for name, data in files:
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
                 "Content-Type: application/pdf\r\n\r\n").encode() + data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(main_api + "/api/v1/documents", data=body, method="POST")
    request.add_header("content-type", "multipart/form-data; boundary=" + boundary)
    request.add_header("authorization", "Bearer " + token())
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read()).get("documents", [])
    except urllib.error.HTTPError as error:
        log(f"upload refused: HTTP {error.code} {error.read()[:300]!r}")
        return []


def invoice(number, day, currency, supplier, lines):
    """A supplier invoice PDF with these lines, ('description', 'sku or empty', quantity, 'unit price')."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "invoice.pdf")
        arguments = [sample_invoice, "--number", number, "--date", day.isoformat(), "--currency", currency, "--supplier", supplier,
                     "--out", path]
        for description, sku, quantity, price in lines:
            arguments += ["--line", f"{description}|{sku}|{quantity}|{price}"]
        subprocess.run(arguments, check=True)
        with open(path, "rb") as file:
            return file.read()


PROVABLE = "warehouse_lost,warehouse_damaged,disposed_unrequested,inbound_shortage,removal_lost,underpaid_reimbursement"


def upload_invoices():
    """The seller's invoices: one proves a claim at once, one leaves a question to answer."""
    _, documents = call("GET", main_api + "/api/v1/documents?limit=1", token=token())
    if documents.get("documents"):
        log("the demo's invoices are uploaded already")
        return
    _, listed = call("GET", f"{main_api}/api/v1/claims?status=claimable,too_early&type={PROVABLE}&limit=100", token=token())
    by_sku = {}
    for claim in listed.get("claims", []):
        if claim.get("sku"):
            by_sku.setdefault(claim["sku"], []).append(claim)
    skus = sorted(by_sku)
    if len(skus) < 2:
        log(f"the demo has provable claims on {len(skus)} SKUs; no invoices uploaded")
        return
    named, partial = by_sku[skus[0]][0], by_sku[skus[1]][0]
    earliest = min(datetime.date.fromisoformat(c["clockStartedAt"]) for c in by_sku[skus[0]] + by_sku[skus[1]])
    first = invoice("4471", earliest - datetime.timedelta(days=30), "USD", "Shenzhen Huaxin Trading Co., Ltd.", [
        (f"Product {skus[0]} retail pack", skus[0], max(1, named["units"]) * 40, "4.20"),
        ("Carton labels and inserts", "", 500, "0.05")])
    # Fewer units than were lost, on a euro invoice: a match the seller is asked about.
    second = invoice("EU-2207", earliest - datetime.timedelta(days=12), "EUR", "Nordhavn Home ApS", [
        (f"Product {skus[1]}", skus[1], max(0, partial["units"] // 2), "3.10")])
    for outcome in upload([("invoice-4471.pdf", first), ("invoice-EU-2207.pdf", second)]):
        log(f"uploaded {outcome.get('fileName')}: {outcome.get('status')} {outcome.get('message') or ''}")
    def prompted():
        _, body = call("GET", main_api + "/api/v1/prompts", token=token())
        return len(body.get("prompts", [])) > 0
    wait("a question about an invoice waiting for the seller", prompted, timeout=600, every=10)


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


def bill():
    """The commission on the money recovered: a card saved through Stripe's Checkout page, then
    what is due settled on an invoice. Done once: a second run finds the card and the invoice."""
    if not wait("the commission on the demo's money",
                lambda: len(call("GET", main_api + "/api/v1/billing/commissions", token=token())[1].get("commissions", [])) > 0,
                timeout=300, every=10):
        return
    _, overview = call("GET", main_api + "/api/v1/billing/overview", token=token())
    if not overview.get("billing", {}).get("card"):
        status, checkout = call("POST", main_api + "/api/v1/billing/card-setup",
                                {"successUrl": main_api + "/app/billing?session_id={CHECKOUT_SESSION_ID}", "cancelUrl": main_api + "/app/billing"},
                                token=token())
        if status != 200:
            log(f"card setup: HTTP {status}")
            return
        # The seller types Stripe's test card on the hosted page (the sandbox's Checkout).
        form = urllib.parse.urlencode({"card_number": "4242 4242 4242 4242", "name": "Demo Seller"}).encode()
        try:
            urllib.request.urlopen(urllib.request.Request(checkout["url"], data=form, method="POST"), timeout=60).read()
        except urllib.error.URLError as error:
            log(f"the Checkout page: {error}")
        status, saved = call("POST", main_api + "/api/v1/billing/card-setup/complete", {"sessionId": checkout["sessionId"]}, token=token())
        log(f"card on file: HTTP {status} {saved.get('card', {}).get('last4', '')}")
    if not any(invoice.get("status") == "paid" for invoice in overview.get("invoices", [])):
        # Stripe (here the sandbox, at Stripe's test-mode rate limit) may ask to try again shortly: 503.
        for attempt in range(6):
            status, settled = call("POST", main_api + "/api/v1/billing/settle", {}, token=token())
            log(f"settled the commission due: HTTP {status}, invoices {[i.get('status') for i in settled.get('invoices', [])]}")
            if status != 503:
                break
            time.sleep(10)


def join_partner():
    """Northwind Agency signs up, joins the partner programme and sets up payouts on Stripe's
    Express onboarding page; the demo seller names it as the partner who brought it. Before any
    money arrives, so the agency earns on all of it. Done once: a second run finds it all."""
    status, _ = call("POST", main_api + "/api/v1/auth/signup",
                     {"email": partner_email, "password": password, "companyName": "Northwind Agency"})
    if status not in (200, 201, 409):
        log(f"the demo partner's sign-up: HTTP {status}")
        return
    agency = token(partner_email)
    status, joined = call("POST", main_api + "/api/v1/partners", {"kind": "agency", "displayName": "Northwind Agency",
                                                                "contactEmail": partner_email, "country": "US"}, token=agency)
    partner = joined.get("partner", {})
    if status != 200:
        log(f"the demo partner's enrolment: HTTP {status}")
        return
    if partner.get("accountStatus") != "active":
        back = main_api + "/app/partners?onboarding="
        status, link = call("POST", main_api + "/api/v1/partners/onboarding", {"returnUrl": back + "return", "refreshUrl": back + "refresh"},
                            token=agency)
        # The agency fills in Stripe's page (the sandbox's Express onboarding) with a test bank account.
        form = urllib.parse.urlencode({"legal_name": "Northwind Agency LLC", "account_number": "000123456789", "action": "submit"}).encode()
        try:
            urllib.request.urlopen(urllib.request.Request(link.get("url", ""), data=form, method="POST"), timeout=60).read()
        except (urllib.error.URLError, ValueError) as error:
            log(f"the onboarding page: {error}")
        status, refreshed = call("POST", main_api + "/api/v1/partners/account/refresh", {}, token=agency)
        log(f"the demo partner's payouts: {refreshed.get('partner', {}).get('accountStatus')}")
    status, _ = call("POST", main_api + "/api/v1/billing/referral", {"code": partner.get("referralCode", "")}, token=token())
    log(f"the demo seller names Northwind Agency as its partner: HTTP {status}")
    # Stripe holds card money for two days; a test-mode top-up lets the agency's share go at once.
    call("POST", stripe_sandbox + "/_sandbox/balance", {"amount": 500000, "currency": "usd"})


def partner_payouts():
    """The agency's share reaches its Stripe balance; it pays half out, the bank has it two
    sandbox days later (payout.paid, and a notification), and the rest goes out after."""
    agency = token(partner_email)
    _, overview = call("GET", main_api + "/api/v1/partners", token=agency)
    if overview.get("payouts"):
        log("the demo partner has its payouts already")
        return

    def available():
        _, body = call("GET", main_api + "/api/v1/partners", token=agency)
        return sum(b["available"]["amountMinor"] for b in body.get("balance", []) if b["available"]["currency"] == "USD")

    if not wait("the demo partner's share in its Stripe balance", lambda: available() > 1, timeout=600, every=10):
        return
    half = available() // 2
    status, first = call("POST", main_api + "/api/v1/partners/payouts",
                         {"requestId": str(uuid.uuid4()), "currency": "USD", "amount": f"{half // 100}.{half % 100:02d}"}, token=agency)
    log(f"the demo partner's first payout: HTTP {status} {first.get('payout', {}).get('status')}")
    call("POST", stripe_sandbox + "/_sandbox/clock", {"advance_seconds": 3 * 86400})

    def paid():
        _, body = call("GET", main_api + "/api/v1/partners", token=agency)
        return any(p.get("status") == "paid" for p in body.get("payouts", []))

    wait("the demo partner's first payout at its bank", paid, timeout=300, every=5)
    status, second = call("POST", main_api + "/api/v1/partners/payouts", {"requestId": str(uuid.uuid4()), "currency": "USD"}, token=agency)
    log(f"the demo partner's second payout: HTTP {status} {second.get('payout', {}).get('status')}")


def sync_money():
    """Asks for the Finances and reimbursements syncs of every connection (money Amazon paid)."""
    _, connections = call("GET", main_api + "/api/v1/amazon/connections", token=token())
    for connection in connections.get("connections", []):
        for dataset in ("financial_events", "reimbursements"):
            status, _ = call("POST", f"{main_api}/api/v1/amazon/connections/{connection['id']}/syncs", {"dataset": dataset}, token=token())
            log(f"{dataset} sync of {connection['id']}: HTTP {status}")


def upcoming():
    """Money Amazon pays after the invoice (the case whose question was answered, decided again)
    waits for the next one: the Billing page's upcoming invoice."""
    def has_upcoming():
        _, overview = call("GET", main_api + "/api/v1/billing/overview", token=token())
        return any(t.get("upcoming", {}).get("amountMinor", 0) > 0 for t in overview.get("totals", []))

    if has_upcoming():
        log("the demo seller has an upcoming invoice already")
        return
    for attempt in range(10):
        sync_money()
        if wait("commission waiting for the next invoice", has_upcoming, timeout=90, every=15):
            return


# Each step can run again (a second deploy/up, or a run cut short): the walk is done once money arrived.
join_partner()
if cases("paid,partially_paid"):
    log("the demo's cases are already paid")
    bill()
    partner_payouts()
    upcoming()
    raise SystemExit(0)
if not wait("cases made from the demo's claims", lambda: len(cases("ready,needs_documents")) > 0):
    raise SystemExit(1)
upload_invoices()
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
# Finances show Amazon's payments at once; the reimbursements report lists them days later (and
# the sandbox, like Amazon, serves a report requested within four hours again): the money reaches
# the cases from Finances, and the report's lines take over when a later sync brings them.
# The desk's payments post a little after its approvals: a sync that ran before them finds nothing
# new, so the syncs are asked for again until the money shows (then every paid case also gets its
# proof packet).
for attempt in range(8):
    sync_money()
    if wait("money on the demo's cases", lambda: len(cases("paid,partially_paid")) > 0, timeout=120, every=15):
        break
bill()
partner_payouts()
upcoming()

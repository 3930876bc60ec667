"""Drives the Stripe sandbox with Stripe's own Python library (stripe-python, pinned in
requirements.txt), the way a developer would drive Stripe's test mode, and checks what Stripe
documents: objects, declines, authentication, idempotency, invoices, Connect onboarding,
transfers, payouts, webhooks signed as Stripe signs them.

Usage: python stripe_sandbox_checks.py settings.json
settings.json: {"base": "http://127.0.0.1:PORT", "key": "sk_test_..."}
Prints {"checks": [names of the checks that passed]}; any failed check ends the run with a
traceback on stderr and status 1.
"""

import http.server
import json
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import stripe

settings = json.load(open(sys.argv[1]))
BASE = settings["base"]
stripe.api_key = settings["key"]
stripe.api_base = BASE
# Retries are checked on purpose below; elsewhere a failure must show at once.
stripe.max_network_retries = 0

passed = []


def check(function):
    function()
    passed.append(function.__name__)
    return function


def admin(path, body=None):
    request = urllib.request.Request(BASE + "/_sandbox/" + path, data=json.dumps(body or {}).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def browser(url, form=None):
    """A GET or form POST that does not follow redirects: returns (status, Location or body)."""
    opener = urllib.request.build_opener(NoRedirect)
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    try:
        with opener.open(urllib.request.Request(url, data=data)) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location") or error.read().decode()


def expect_error(kind, call):
    try:
        call()
    except kind as error:
        return error
    raise AssertionError("expected %s" % kind.__name__)


def wait_for(predicate, seconds=60):
    """Polls until `predicate` holds. The bound is not a speed: in the parallel test pass on two
    cores a webhook delivery has taken over fifteen seconds."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


# MARK: A webhook receiver, as a seller's server would run one

received = []
received_lock = threading.Lock()
failing_paths = set()


class Receiver(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with received_lock:
            received.append((self.path, self.headers.get("Stripe-Signature"), body))
        self.send_response(500 if self.path in failing_paths else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
HOOKS = "http://127.0.0.1:%d" % server.server_address[1]


def deliveries(path, event_type=None):
    with received_lock:
        items = [(signature, body) for (p, signature, body) in received if p == path]
    if event_type:
        items = [(s, b) for (s, b) in items if json.loads(b)["type"] == event_type]
    return items


# MARK: Checks

@check
def authentication_refuses_a_wrong_key():
    error = expect_error(stripe.AuthenticationError, lambda: stripe.Customer.list(api_key="sk_test_wrong_key_000000"))
    assert error.http_status == 401, error.http_status


@check
def customers_are_created_read_updated_listed_and_deleted():
    customer = stripe.Customer.create(email="seller@example.com", name="Acme Seller", metadata={"tenant": "t-1"})
    assert customer.id.startswith("cus_") and customer.object == "customer"
    assert customer.metadata["tenant"] == "t-1"
    again = stripe.Customer.retrieve(customer.id)
    assert again.email == "seller@example.com"
    updated = stripe.Customer.modify(customer.id, name="Acme Seller LLC", metadata={"plan": "pro"})
    assert updated.name == "Acme Seller LLC" and updated.metadata["tenant"] == "t-1" and updated.metadata["plan"] == "pro"
    ids = [stripe.Customer.create(email="page-%d@example.com" % i).id for i in range(5)]
    page = stripe.Customer.list(limit=2)
    assert len(page.data) == 2 and page.has_more
    seen = [c.id for c in stripe.Customer.list(limit=2).auto_paging_iter()]
    assert all(i in seen for i in ids) and len(seen) == len(set(seen)), "auto-paging repeats or misses customers"
    assert seen.index(ids[4]) < seen.index(ids[0]), "lists are newest first"
    deleted = stripe.Customer.delete(ids[0])
    assert deleted.deleted is True
    assert stripe.Customer.retrieve(ids[0]).to_dict().get("deleted") is True


@check
def bad_parameters_are_refused_by_name():
    error = expect_error(stripe.InvalidRequestError, lambda: stripe.Customer.create(email="x@example.com", colour="blue"))
    assert error.param == "colour" and "unknown parameter" in error.user_message
    error = expect_error(stripe.InvalidRequestError, lambda: stripe.PaymentIntent.create(currency="usd"))
    assert error.code == "parameter_missing" and error.param == "amount"
    error = expect_error(stripe.InvalidRequestError, lambda: stripe.Customer.retrieve("cus_doesnotexist"))
    assert error.http_status == 404 and error.code == "resource_missing"
    error = expect_error(stripe.InvalidRequestError, lambda: stripe.PaymentIntent.create(amount=20, currency="usd"))
    assert error.code == "amount_too_small"


def customer_with_card(token):
    customer = stripe.Customer.create(email="card-%s@example.com" % token)
    setup = stripe.SetupIntent.create(customer=customer.id, payment_method=token, confirm=True, usage="off_session")
    assert setup.status == "succeeded", setup.status
    stripe.Customer.modify(customer.id, invoice_settings={"default_payment_method": setup.payment_method})
    return customer, setup.payment_method


@check
def a_card_is_saved_through_a_setup_intent():
    customer, method = customer_with_card("pm_card_visa")
    assert method.startswith("pm_")
    methods = stripe.Customer.list_payment_methods(customer.id)
    assert [m.id for m in methods.data] == [method] and methods.data[0].card.last4 == "4242"
    assert stripe.Customer.retrieve(customer.id).invoice_settings.default_payment_method == method


@check
def a_declined_card_is_not_saved():
    customer = stripe.Customer.create(email="declined@example.com")
    error = expect_error(stripe.CardError, lambda: stripe.SetupIntent.create(
        customer=customer.id, payment_method="pm_card_chargeDeclined", confirm=True))
    assert error.code == "card_declined" and error.error.decline_code == "generic_decline"
    assert error.error.setup_intent.status == "requires_payment_method"
    assert stripe.Customer.list_payment_methods(customer.id).data == []


@check
def an_off_session_payment_succeeds_and_expands():
    customer, method = customer_with_card("pm_card_visa")
    intent = stripe.PaymentIntent.create(amount=3000, currency="usd", customer=customer.id, payment_method=method,
                                         confirm=True, off_session=True, metadata={"recovery_id": "r-1"},
                                         expand=["latest_charge", "customer"])
    assert intent.status == "succeeded" and intent.amount_received == 3000
    assert intent.latest_charge.object == "charge" and intent.latest_charge.paid
    assert intent.customer.id == customer.id
    transaction = stripe.BalanceTransaction.retrieve(intent.latest_charge.balance_transaction)
    # Stripe's US card pricing, 2.9 % + 30 cents, pending for two days.
    assert transaction.amount == 3000 and transaction.fee == 87 + 30 and transaction.net == 3000 - 117
    assert transaction.status == "pending" and transaction.available_on >= transaction.created + 2 * 86400


@check
def declines_say_why():
    customer, method = customer_with_card("pm_card_chargeCustomerFail")
    error = expect_error(stripe.CardError, lambda: stripe.PaymentIntent.create(
        amount=1000, currency="usd", customer=customer.id, payment_method=method, confirm=True, off_session=True))
    assert error.http_status == 402 and error.code == "card_declined" and error.error.decline_code == "generic_decline"
    assert error.error.payment_intent.status == "requires_payment_method"
    error = expect_error(stripe.CardError, lambda: stripe.PaymentIntent.create(
        amount=1000, currency="usd", payment_method="pm_card_chargeDeclinedInsufficientFunds", confirm=True))
    assert error.error.decline_code == "insufficient_funds"


@check
def an_off_session_payment_that_needs_the_cardholder_fails_with_authentication_required():
    customer = stripe.Customer.create(email="3ds@example.com")
    setup = stripe.SetupIntent.create(customer=customer.id, payment_method="pm_card_authenticationRequired", confirm=True,
                                      return_url="https://opside.example/back")
    assert setup.status == "requires_action" and setup.next_action.type == "redirect_to_url"
    status, location = browser(setup.next_action.redirect_to_url.url, {"decision": "complete"})
    assert status == 303 and location.startswith("https://opside.example/back?setup_intent=" + setup.id)
    assert stripe.SetupIntent.retrieve(setup.id).status == "succeeded"
    method = stripe.SetupIntent.retrieve(setup.id).payment_method
    error = expect_error(stripe.CardError, lambda: stripe.PaymentIntent.create(
        amount=1500, currency="usd", customer=customer.id, payment_method=method, confirm=True, off_session=True))
    assert error.code == "authentication_required"
    intent = error.error.payment_intent
    assert intent.status == "requires_payment_method"
    # The cardholder comes back and pays on session: authentication, then success.
    confirmed = stripe.PaymentIntent.confirm(intent.id, payment_method=method, return_url="https://opside.example/paid")
    assert confirmed.status == "requires_action"
    status, location = browser(confirmed.next_action.redirect_to_url.url, {"decision": "complete"})
    assert status == 303 and "redirect_status=succeeded" in location
    assert stripe.PaymentIntent.retrieve(intent.id).status == "succeeded"


@check
def idempotency_keys_replay_and_refuse_other_parameters():
    customer, method = customer_with_card("pm_card_visa")
    first = stripe.PaymentIntent.create(amount=1234, currency="usd", customer=customer.id, payment_method=method, confirm=True,
                                        off_session=True, idempotency_key="commission:r-42:v1")
    second = stripe.PaymentIntent.create(amount=1234, currency="usd", customer=customer.id, payment_method=method, confirm=True,
                                         off_session=True, idempotency_key="commission:r-42:v1")
    assert first.id == second.id
    assert second.last_response.headers.get("Idempotent-Replayed") == "true"
    assert len(stripe.PaymentIntent.list(customer=customer.id).data) == 1
    expect_error(stripe.IdempotencyError, lambda: stripe.PaymentIntent.create(
        amount=9999, currency="usd", customer=customer.id, payment_method=method, confirm=True, off_session=True,
        idempotency_key="commission:r-42:v1"))


@check
def a_lost_answer_is_retried_with_the_same_key_and_charges_once():
    customer, method = customer_with_card("pm_card_visa")
    admin("faults", {"path": "payment_intents", "status": 500, "count": 1, "after_executing": True})
    stripe.max_network_retries = 2
    try:
        intent = stripe.PaymentIntent.create(amount=777, currency="usd", customer=customer.id, payment_method=method,
                                             confirm=True, off_session=True)
    finally:
        stripe.max_network_retries = 0
    assert intent.status == "succeeded"
    assert len(stripe.PaymentIntent.list(customer=customer.id).data) == 1
    admin("faults", {"path": "customers", "status": 429, "count": 1})
    expect_error(stripe.RateLimitError, lambda: stripe.Customer.list(limit=1))


@check
def refunds_are_bounded_by_what_was_charged():
    customer, method = customer_with_card("pm_card_visa")
    intent = stripe.PaymentIntent.create(amount=5000, currency="usd", customer=customer.id, payment_method=method, confirm=True,
                                         off_session=True)
    refund = stripe.Refund.create(payment_intent=intent.id, amount=2000)
    assert refund.status == "succeeded" and refund.amount == 2000
    expect_error(stripe.InvalidRequestError, lambda: stripe.Refund.create(payment_intent=intent.id, amount=3001))
    stripe.Refund.create(payment_intent=intent.id)
    charge = stripe.Charge.retrieve(intent.latest_charge)
    assert charge.refunded and charge.amount_refunded == 5000


@check
def an_invoice_is_itemised_finalised_and_paid():
    customer, method = customer_with_card("pm_card_visa")
    stripe.InvoiceItem.create(customer=customer.id, amount=1234, currency="usd", description="Commission on case C-1")
    invoice = stripe.Invoice.create(customer=customer.id, collection_method="charge_automatically", auto_advance=False,
                                    pending_invoice_items_behavior="include", metadata={"period": "2026-11"})
    assert invoice.status == "draft" and invoice.total == 1234 and len(invoice.lines.data) == 1
    stripe.InvoiceItem.create(customer=customer.id, invoice=invoice.id, amount=766, currency="usd", description="Commission on case C-2")
    finalized = stripe.Invoice.finalize_invoice(invoice.id)
    assert finalized.status == "open" and finalized.total == 2000 and finalized.number and finalized.hosted_invoice_url
    paid = stripe.Invoice.pay(invoice.id)
    assert paid.status == "paid" and paid.amount_paid == 2000 and paid.amount_remaining == 0
    payments = stripe.InvoicePayment.list(invoice=invoice.id)
    assert len(payments.data) == 1 and payments.data[0].status == "paid"
    intent = stripe.PaymentIntent.retrieve(payments.data[0].payment.payment_intent)
    assert intent.status == "succeeded" and intent.amount == 2000
    status, pdf = browser(finalized.invoice_pdf)
    assert status == 200 and pdf.startswith("%PDF-")


@check
def a_failed_invoice_payment_counts_an_attempt_and_stays_open():
    customer, method = customer_with_card("pm_card_chargeCustomerFail")
    stripe.InvoiceItem.create(customer=customer.id, amount=900, currency="usd")
    invoice = stripe.Invoice.create(customer=customer.id, pending_invoice_items_behavior="include")
    stripe.Invoice.finalize_invoice(invoice.id)
    error = expect_error(stripe.CardError, lambda: stripe.Invoice.pay(invoice.id))
    assert error.code == "card_declined"
    again = stripe.Invoice.retrieve(invoice.id)
    assert again.status == "open" and again.attempt_count == 1 and again.attempted
    # The customer pays on the hosted page with another card.
    status, location = browser(BASE + "/_hosted/invoices/%s/pay" % invoice.id, {"card_number": "4242424242424242"})
    assert status == 303
    assert stripe.Invoice.retrieve(invoice.id).status == "paid"


def onboarded_account(account_number="000123456789"):
    account = stripe.Account.create(type="express", country="US", email="partner@example.com",
                                    capabilities={"transfers": {"requested": True}},
                                    settings={"payouts": {"schedule": {"interval": "manual"}}})
    link = stripe.AccountLink.create(account=account.id, type="account_onboarding",
                                     refresh_url="https://opside.example/refresh", return_url="https://opside.example/return")
    status, page = browser(link.url)
    assert status == 200 and "Agree and submit" in page
    status, location = browser(link.url, {"account_number": account_number, "action": "submit"})
    assert status == 303 and location == "https://opside.example/return"
    status, location = browser(link.url)
    assert status == 303 and location == "https://opside.example/refresh", "a used link sends to refresh_url"
    return stripe.Account.retrieve(account.id)


@check
def a_partner_onboards_on_connect_express():
    account = stripe.Account.create(type="express", country="US", email="new@example.com",
                                    capabilities={"transfers": {"requested": True}})
    assert account.id.startswith("acct_") and not account.details_submitted and not account.payouts_enabled
    assert account.capabilities.transfers == "inactive" and account.requirements.currently_due
    done = onboarded_account()
    assert done.details_submitted and done.payouts_enabled and done.capabilities.transfers == "active"
    assert done.requirements.currently_due == [] and done.external_accounts.data[0].last4 == "6789"
    expect_error(stripe.InvalidRequestError, lambda: stripe.AccountLink.create(
        account=done.id, type="account_update", refresh_url="https://a.example", return_url="https://b.example"))


@check
def transfers_need_available_funds_and_payouts_arrive():
    account = onboarded_account()
    error = expect_error(stripe.InvalidRequestError, lambda: stripe.Transfer.create(amount=10**8, currency="usd", destination=account.id))
    assert error.code == "balance_insufficient"
    stripe.PaymentIntent.create(amount=20000, currency="usd", payment_method="pm_card_bypassPending", confirm=True)
    transfer = stripe.Transfer.create(amount=1000, currency="usd", destination=account.id, transfer_group="payout-p-1",
                                      metadata={"partner": "p-1"})
    assert transfer.destination == account.id and transfer.amount == 1000
    reversal = stripe.Transfer.create_reversal(transfer.id, amount=100)
    assert reversal.amount == 100 and stripe.Transfer.retrieve(transfer.id).amount_reversed == 100
    stripe.Transfer.create(amount=100, currency="usd", destination=account.id)
    balance = stripe.Balance.retrieve(stripe_account=account.id)
    assert balance.available[0].amount == 1000 and balance.available[0].currency == "usd"
    payout = stripe.Payout.create(amount=600, currency="usd", stripe_account=account.id)
    assert payout.status == "pending" and payout.arrival_date > payout.created
    error = expect_error(stripe.InvalidRequestError, lambda: stripe.Payout.create(amount=600, currency="usd", stripe_account=account.id))
    assert error.code == "balance_insufficient"
    admin("clock", {"advance_seconds": 3 * 86400})
    assert stripe.Payout.retrieve(payout.id, stripe_account=account.id).status == "paid"
    assert [p.id for p in stripe.Payout.list(stripe_account=account.id).data] == [payout.id]
    expect_error(stripe.InvalidRequestError, lambda: stripe.Payout.retrieve(payout.id))


@check
def a_payout_to_a_closed_bank_account_fails_and_returns_the_money():
    account = onboarded_account("000111111113")
    stripe.PaymentIntent.create(amount=5000, currency="usd", payment_method="pm_card_bypassPending", confirm=True)
    stripe.Transfer.create(amount=700, currency="usd", destination=account.id)
    payout = stripe.Payout.create(amount=700, currency="usd", stripe_account=account.id)
    admin("clock", {"advance_seconds": 3 * 86400})
    failed = stripe.Payout.retrieve(payout.id, stripe_account=account.id)
    assert failed.status == "failed" and failed.failure_code == "account_closed"
    assert stripe.Balance.retrieve(stripe_account=account.id).available[0].amount == 700


@check
def webhooks_are_signed_as_stripe_signs_them():
    endpoint = stripe.WebhookEndpoint.create(url=HOOKS + "/platform", enabled_events=["customer.created", "invoice.paid"])
    secret = endpoint.secret
    assert secret.startswith("whsec_") and stripe.WebhookEndpoint.retrieve(endpoint.id).to_dict().get("secret") is None
    customer = stripe.Customer.create(email="hook@example.com")
    signature, body = wait_for(lambda: next(iter([d for d in deliveries("/platform", "customer.created")
                                                  if json.loads(d[1])["data"]["object"]["id"] == customer.id]), None))
    event = stripe.Webhook.construct_event(body.decode(), signature, secret)
    assert event.type == "customer.created" and event.data.object.id == customer.id
    expect_error(stripe.SignatureVerificationError, lambda: stripe.Webhook.construct_event(body.decode(), signature, "whsec_wrong"))
    tampered = body.decode().replace("hook@example.com", "evil@example.com")
    expect_error(stripe.SignatureVerificationError, lambda: stripe.Webhook.construct_event(tampered, signature, secret))
    fetched = stripe.Event.retrieve(event.id)
    assert fetched.type == "customer.created"
    # A rolled secret: both the old and the new sign while they overlap.
    new_secret = admin("webhook_endpoints/%s/roll" % endpoint.id, {"overlap_seconds": 3600})["secret"]
    second = stripe.Customer.create(email="hook2@example.com")
    signature, body = wait_for(lambda: next(iter([d for d in deliveries("/platform", "customer.created")
                                                  if json.loads(d[1])["data"]["object"]["id"] == second.id]), None))
    assert signature.count("v1=") == 2
    stripe.Webhook.construct_event(body.decode(), signature, secret)
    stripe.Webhook.construct_event(body.decode(), signature, new_secret)
    stripe.WebhookEndpoint.delete(endpoint.id)


@check
def connect_events_go_to_connect_endpoints_with_the_account():
    endpoint = stripe.WebhookEndpoint.create(url=HOOKS + "/connect", enabled_events=["account.updated", "payout.paid"], connect=True)
    account = onboarded_account()
    signature, body = wait_for(lambda: next(iter([d for d in deliveries("/connect", "account.updated")
                                                  if json.loads(d[1])["account"] == account.id]), None))
    event = stripe.Webhook.construct_event(body.decode(), signature, endpoint.secret)
    assert event.account == account.id and event.data.object.payouts_enabled
    assert "previous_attributes" in event.data
    stripe.WebhookEndpoint.delete(endpoint.id)


@check
def failed_deliveries_are_retried_on_the_schedule():
    failing_paths.add("/failing")
    endpoint = stripe.WebhookEndpoint.create(url=HOOKS + "/failing", enabled_events=["customer.created"])
    customer = stripe.Customer.create(email="retry@example.com")
    wait_for(lambda: len(deliveries("/failing")) >= 1)
    time.sleep(0.5)
    assert len(deliveries("/failing")) == 1, "a retry came before its time"
    admin("clock", {"advance_seconds": 400})
    wait_for(lambda: len(deliveries("/failing")) >= 2)
    failing_paths.discard("/failing")
    admin("clock", {"advance_seconds": 4000})
    wait_for(lambda: len(deliveries("/failing")) >= 3)
    event_id = json.loads(deliveries("/failing")[0][1])["id"]
    wait_for(lambda: stripe.Event.retrieve(event_id).pending_webhooks == 0)
    assert all(json.loads(b)["data"]["object"]["id"] == customer.id for _, b in deliveries("/failing"))
    stripe.WebhookEndpoint.delete(endpoint.id)


@check
def held_deliveries_can_come_out_of_order_and_twice():
    endpoint = stripe.WebhookEndpoint.create(url=HOOKS + "/reordered", enabled_events=["customer.created"])
    admin("webhooks/hold")
    made = [stripe.Customer.create(email="order-%d@example.com" % i).id for i in range(3)]
    time.sleep(0.5)
    assert deliveries("/reordered") == []
    assert admin("webhooks/release", {"reverse": True, "copies": 2})["released"] == 6
    wait_for(lambda: len(deliveries("/reordered")) == 6)
    order = [json.loads(b)["data"]["object"]["id"] for _, b in deliveries("/reordered")]
    assert sorted(order) == sorted(made * 2)
    first_seen = sorted(set(order), key=order.index)
    assert first_seen == list(reversed(made)), first_seen
    stripe.WebhookEndpoint.delete(endpoint.id)


@check
def events_are_listed_newest_first_and_paged():
    events = stripe.Event.list(type="customer.created", limit=3)
    assert len(events.data) == 3 and events.has_more
    created = [e.created for e in events.data]
    assert created == sorted(created, reverse=True)


@check
def a_test_clock_moves_an_auto_advancing_invoice():
    start = int(time.time())
    clock = stripe.test_helpers.TestClock.create(frozen_time=start, name="billing month")
    customer = stripe.Customer.create(email="clock@example.com", test_clock=clock.id)
    setup = stripe.SetupIntent.create(customer=customer.id, payment_method="pm_card_visa", confirm=True)
    stripe.Customer.modify(customer.id, invoice_settings={"default_payment_method": setup.payment_method})
    stripe.InvoiceItem.create(customer=customer.id, amount=4200, currency="usd")
    invoice = stripe.Invoice.create(customer=customer.id, auto_advance=True, pending_invoice_items_behavior="include")
    assert invoice.status == "draft" and invoice.automatically_finalizes_at == start + 3600
    stripe.test_helpers.TestClock.advance(clock.id, frozen_time=start + 2 * 3600)
    assert stripe.Invoice.retrieve(invoice.id).status == "open"
    stripe.test_helpers.TestClock.advance(clock.id, frozen_time=start + 4 * 3600)
    assert stripe.Invoice.retrieve(invoice.id).status == "paid"


@check
def checkout_saves_a_card_in_setup_mode():
    customer = stripe.Customer.create(email="checkout@example.com")
    session = stripe.checkout.Session.create(mode="setup", customer=customer.id, currency="usd",
                                             success_url="https://opside.example/billing?session={CHECKOUT_SESSION_ID}",
                                             cancel_url="https://opside.example/billing")
    assert session.url and session.status == "open"
    status, page = browser(session.url, {"card_number": "4000 0000 0000 0002", "name": "Dee Clined"})
    assert status == 200 and "declined" in page
    status, location = browser(session.url, {"card_number": "4242 4242 4242 4242", "name": "Ann Seller"})
    assert status == 303 and location == "https://opside.example/billing?session=" + session.id
    done = stripe.checkout.Session.retrieve(session.id, expand=["setup_intent"])
    assert done.status == "complete" and done.setup_intent.status == "succeeded"
    assert stripe.Customer.list_payment_methods(customer.id).data[0].id == done.setup_intent.payment_method


@check
def webhook_endpoints_are_listed_without_their_secrets():
    endpoint = stripe.WebhookEndpoint.create(url=HOOKS + "/listed", enabled_events=["payment_intent.succeeded"],
                                             description="billing")
    listed = [e for e in stripe.WebhookEndpoint.list().data if e.id == endpoint.id]
    assert len(listed) == 1 and listed[0].status == "enabled" and "secret" not in listed[0].to_dict()
    disabled = stripe.WebhookEndpoint.modify(endpoint.id, disabled=True)
    assert disabled.status == "disabled"


print(json.dumps({"checks": passed}))
server.shutdown()

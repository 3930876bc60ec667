#!/usr/bin/env python3
"""Writes each service's OpenAPI 3.1 document to Services/<Folder>/Sources/openapi.json.

The platform's endpoints are the same on every service and are written here once; each
service's own endpoints are listed below. OpenAPIDocumentTests checks every document against
the routes the service really registers, so an endpoint added without its entry here fails CI.
Run: python3 tools/generate-openapi.py
"""
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent

SERVICES = [
    ("main-api", "MainAPI", 8000), ("integrations", "Integrations", 3001), ("payments", "Payments", 4000),
    ("cost-docs", "CostDocs", 3003), ("refund-engine", "RefundEngine", 3002), ("mcde", "MCDE", 8004),
    ("claim-detector", "ClaimDetector", 8001), ("evidence-engine", "EvidenceEngine", 8002),
    ("inventory-sync", "InventorySync", 3004), ("test-runner", "TestRunner", 8003),
]

ERROR = {"description": "The error envelope", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}}


def json_response(description, schema=None):
    body = {"description": description}
    if schema is not None:
        body["content"] = {"application/json": {"schema": schema}}
    return body


def obj(required, properties):
    """A closed object schema: every key named, the required ones listed, no other key allowed
    (a renamed key, `tenantID` for `tenantId` say, fails the response checks in the tests)."""
    return {"type": "object", "required": required, "properties": properties, "additionalProperties": False}


def op(summary, responses, security=None, request=None, parameters=None, tags=None):
    # Any status not listed (a malformed request's 400, a body past the limit's 413, a
    # method the route does not take) answers with the error envelope.
    responses = {**responses, "default": ERROR}
    operation = {"summary": summary, "responses": responses}
    if security is not None:
        operation["security"] = security
    if request is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": request}}}
    if parameters:
        operation["parameters"] = parameters
    if tags:
        operation["tags"] = tags
    return operation


SERVICE_TOKEN = [{"serviceToken": []}]
SESSION = [{"session": []}]
JOB_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "format": "int64"}}]
# Stripe's event as its webhooks send it (queues-and-stripe.md B.1); other fields pass.
STRIPE_EVENT = {"type": "object", "required": ["id", "object", "type", "created", "livemode", "data"], "properties": {
    "id": {"type": "string", "pattern": "^evt_"}, "object": {"const": "event"}, "type": {"type": "string"},
    "created": {"type": "integer"}, "livemode": {"type": "boolean"}, "api_version": {"type": ["string", "null"]},
    "account": {"type": "string", "pattern": "^acct_"}, "data": {"type": "object"}}}

PLATFORM_PATHS = {
    "/health/live": {"get": op("The process is up", {"200": json_response("Live", {"$ref": "#/components/schemas/Health"})}, tags=["platform"])},
    "/health/ready": {"get": op("Postgres and Redis answer", {
        "200": json_response("Ready", {"$ref": "#/components/schemas/Health"}),
        "503": ERROR}, tags=["platform"])},
    "/metrics": {"get": op("Prometheus metrics", {"200": {"description": "Text exposition format",
                                                           "content": {"text/plain": {"schema": {"type": "string"}}}}}, tags=["platform"])},
    "/openapi.json": {"get": op("This document", {"200": json_response("OpenAPI 3.1 document", {"$ref": "#/components/schemas/OpenAPIDocument"})}, tags=["platform"])},
    "/internal/jobs": {"get": op("List this service's jobs, newest first", {
        "200": json_response("Jobs", obj(["jobs"], {"jobs": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}}})),
        "401": ERROR, "422": ERROR}, security=SERVICE_TOKEN, tags=["jobs"], parameters=[
        {"name": "state", "in": "query", "schema": {"type": "string", "enum": ["available", "scheduled", "running", "retryable", "completed", "cancelled", "discarded"]}},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}])},
    "/internal/jobs/{id}/retry": {"post": op("Run a discarded or cancelled job again", {
        "200": json_response("Job queued", {"$ref": "#/components/schemas/JobAction"}), "401": ERROR, "409": ERROR},
        security=SERVICE_TOKEN, parameters=JOB_ID, tags=["jobs"])},
    "/internal/jobs/{id}/cancel": {"post": op("Cancel a job (a running one is asked to stop)", {
        "200": json_response("Cancelled or cancelling", {"$ref": "#/components/schemas/JobAction"}), "401": ERROR, "409": ERROR},
        security=SERVICE_TOKEN, parameters=JOB_ID, tags=["jobs"])},
}

SESSION_RESPONSE = obj(["token", "expiresAt", "userId", "tenantId", "role", "sessionId", "csrfToken"], {
    "token": {"type": "string"}, "expiresAt": {"type": "string", "format": "date-time"},
    "userId": {"type": "string", "format": "uuid"}, "tenantId": {"type": "string", "format": "uuid"}, "role": {"type": "string"},
    "sessionId": {"type": "string", "format": "uuid", "description": "The sign-in (GET /api/v1/auth/sessions)"},
    "csrfToken": {"type": "string", "description": "What the page sends in X-CSRF-Token with the refresh cookie"}})
TENANT_MEMBERSHIP = obj(["tenantId", "tenantName", "role"], {
    "tenantId": {"type": "string", "format": "uuid"}, "tenantName": {"type": "string"},
    "role": {"type": "string", "enum": ["owner", "admin", "member"]}})
JOINED = TENANT_MEMBERSHIP
TEAM_MEMBER = obj(["userId", "email", "role", "joinedAt"], {
    "userId": {"type": "string", "format": "uuid"}, "email": {"type": "string"}, "displayName": {"type": "string"},
    "role": {"type": "string", "enum": ["owner", "admin", "member"]}, "joinedAt": {"type": "string", "format": "date-time"}})
INVITATION = obj(["id", "email", "role", "invitedBy", "createdAt", "expiresAt"], {
    "id": {"type": "string", "format": "uuid"}, "email": {"type": "string"}, "role": {"type": "string", "enum": ["admin", "member"]},
    "invitedBy": {"type": "string", "format": "uuid"}, "createdAt": {"type": "string", "format": "date-time"},
    "expiresAt": {"type": "string", "format": "date-time"}})
SIGN_IN_COOKIES = {"Set-Cookie": {
    "description": "opside_refresh: the sign-in's refresh token (HttpOnly, SameSite=Strict, Path=/api/v1/auth, Secure over TLS); "
                   "opside_csrf: its CSRF token for the page's script (SameSite=Strict, Path=/). Both cleared when the sign-in ends.",
    "schema": {"type": "string"}}}
CSRF_HEADER = [{"name": "X-CSRF-Token", "in": "header", "schema": {"type": "string"},
                "description": "The sign-in's CSRF token; required when the refresh cookie is what names the sign-in"}]
SIGN_IN_SESSIONS = obj(["sessions"], {"sessions": {"type": "array", "items": obj(
    ["id", "tenantId", "createdAt", "lastUsedAt", "expiresAt", "current"], {
        "id": {"type": "string", "format": "uuid"}, "tenantId": {"type": "string", "format": "uuid"},
        "createdAt": {"type": "string", "format": "date-time"}, "lastUsedAt": {"type": "string", "format": "date-time"},
        "expiresAt": {"type": "string", "format": "date-time"}, "userAgent": {"type": "string"},
        "current": {"type": "boolean"}})}})
ME_RESPONSE = obj(["user", "tenant"], {
    "user": obj(["id", "email", "defaultTenantId"], {
        "id": {"type": "string", "format": "uuid"}, "email": {"type": "string", "format": "email"},
        "displayName": {"type": "string"}, "defaultTenantId": {"type": "string", "format": "uuid"}}),
    "tenant": obj(["tenantId", "tenantName", "role"], {
        "tenantId": {"type": "string", "format": "uuid"}, "tenantName": {"type": "string"},
        "role": {"type": "string", "enum": ["owner", "admin", "member"]}})})
BILLING_ACCOUNT = obj(["tenantId", "companyName", "billingEmail", "currency", "commissionBasisPoints", "status", "createdAt"], {
    "tenantId": {"type": "string", "format": "uuid"}, "companyName": {"type": "string"}, "billingEmail": {"type": "string"},
    "currency": {"type": "string", "pattern": "^[A-Z]{3}$"}, "commissionBasisPoints": {"type": "integer", "minimum": 0},
    "status": {"type": "string"}, "createdAt": {"type": "string", "format": "date-time"}})
BILLING_RESPONSE = obj(["account"], {"account": BILLING_ACCOUNT})

# Amazon connections (integrations owns them; main-api forwards the public routes).
AMAZON_CONNECTION = {"type": "object", "additionalProperties": False,
                     "required": ["id", "tenantId", "sellingPartnerId", "region", "marketplaceIds", "status",
                                  "authorizationMethod", "createdAt", "updatedAt"], "properties": {
    "id": {"type": "string", "format": "uuid"}, "tenantId": {"type": "string", "format": "uuid"},
    "sellingPartnerId": {"type": "string"}, "region": {"type": "string", "enum": ["na", "eu", "fe"]},
    "marketplaceIds": {"type": "array", "items": {"type": "string"}},
    "status": {"type": "string", "enum": ["active", "needs_reauthorization", "disconnected"]},
    "authorizationMethod": {"type": "string", "enum": ["consent", "self_authorized"]},
    "connectedByUserId": {"type": "string", "format": "uuid"}, "reauthorizationReason": {"type": "string"},
    "reauthorizationRequiredAt": {"type": "string", "format": "date-time"},
    "lastHealthCheckAt": {"type": "string", "format": "date-time"}, "disconnectedAt": {"type": "string", "format": "date-time"},
    "createdAt": {"type": "string", "format": "date-time"}, "updatedAt": {"type": "string", "format": "date-time"}}}
AMAZON_CONNECTION_LIST = obj(["connections"], {"connections": {"type": "array", "items": AMAZON_CONNECTION}})
AMAZON_CONSENT = obj(["consentUrl", "state", "expiresAt"], {
    "consentUrl": {"type": "string", "format": "uri"}, "state": {"type": "string"}, "expiresAt": {"type": "string", "format": "date-time"}})
AMAZON_CONSENT_REQUEST = {"type": "object", "properties": {
    "region": {"type": "string", "enum": ["na", "eu", "fe"], "description": "Required unless marketplaceId is given"},
    "marketplaceId": {"type": "string"}}}
AMAZON_REFRESH_TOKEN_REQUEST = {"type": "object", "required": ["refreshToken", "sellingPartnerId", "region"], "properties": {
    "refreshToken": {"type": "string", "maxLength": 2048}, "sellingPartnerId": {"type": "string"},
    "region": {"type": "string", "enum": ["na", "eu", "fe"]}}}
AMAZON_ACCESS_TOKEN = {"type": "object", "additionalProperties": False,
                       "required": ["accessToken", "expiresAt", "sellingPartnerId", "region", "marketplaceIds", "endpoint"],
                       "properties": {
    "accessToken": {"type": "string"}, "expiresAt": {"type": "string", "format": "date-time"},
    "sellingPartnerId": {"type": "string"}, "region": {"type": "string"},
    "marketplaceIds": {"type": "array", "items": {"type": "string"}}, "endpoint": {"type": "string", "format": "uri"}}}
CONNECTION_ID = [{"name": "connectionId", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}]
WITH_USER = {"userId": {"type": "string", "format": "uuid", "description": "The signed-in user main-api acts for"}}

NOTIFICATION_KINDS = ["claims_found", "deadline_approaching", "sync_failed", "reauthorization_needed", "case_filed", "case_decided",
                      "filing_reminder", "money_received", "evidence_prompt", "proof_packet", "payment_failed", "invoice_paid",
                      "payout_paid", "payout_failed"]
NOTIFICATION = obj(["id", "kind", "level", "title", "body", "createdAt"], {
    "id": {"type": "string", "format": "uuid"}, "kind": {"type": "string", "enum": NOTIFICATION_KINDS},
    "level": {"type": "string", "enum": ["info", "success", "warning", "error"]}, "title": {"type": "string"}, "body": {"type": "string"},
    "actionUrl": {"type": "string", "description": "The dashboard page that acts on it"},
    "createdAt": {"type": "string", "format": "date-time"}, "readAt": {"type": "string", "format": "date-time"}})
NOTIFICATION_PREFERENCES = obj(["emailKinds", "delivery"], {
    "emailKinds": {"type": "array", "items": {"type": "string", "enum": NOTIFICATION_KINDS}},
    "delivery": {"type": "string", "enum": ["digest", "immediate"]}})
NOTIFICATION_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}]
ONE_NOTIFICATION = json_response("The notification", obj(["notification"], {"notification": NOTIFICATION}))

SERVICE_PATHS = {
    "main-api": {
        "/": {"get": op("The dashboard's address: redirects to /app", {"303": {"description": "To /app"}}, tags=["dashboard"])},
        "/sign-in": {"get": op("Sign in, sign up or ask for a reset link (HTML); `next` is where to go after", {
            "200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}}, tags=["dashboard"],
            parameters=[{"name": "next", "in": "query", "schema": {"type": "string"}}])},
        "/assets/{name}": {"get": op("The dashboard's script and style", {
            "200": {"description": "The file", "content": {"text/css": {"schema": {"type": "string"}},
                                                           "text/javascript": {"schema": {"type": "string"}}}},
            "304": {"description": "Unchanged (If-None-Match)"}, "404": {"description": "No such file"}},
            tags=["dashboard"], parameters=[{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}])},
        "/app": {"get": op("Overview: money owed by status and currency, claims found per month, deadlines this week, sync health (HTML; without a sign-in, 303 to /sign-in)", {
            "200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "303": {"description": "To /sign-in"},
            "404": {"description": "No such page"}}, tags=["dashboard"])},
        "/app/claims": {"get": op("Claims: filters, sorting, pages, CSV export (HTML; without a sign-in, 303 to /sign-in)", {
            "200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "303": {"description": "To /sign-in"},
            "404": {"description": "No such page"}}, tags=["dashboard"])},
        "/app/claims/{id}": {"get": op("One claim: its explanation, source rows, deadline; dismiss (HTML; without a sign-in, 303 to /sign-in)", {
            "200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "303": {"description": "To /sign-in"},
            "404": {"description": "No such page"}}, tags=["dashboard"], parameters=[{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}])},
        "/app/cases": {"get": op("Cases: the queue to file, with Amazon, decided, closed; filing controls and numbers (HTML; without a sign-in, 303 to /sign-in)", {
            "200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "303": {"description": "To /sign-in"},
            "404": {"description": "No such page"}}, tags=["dashboard"])},
        "/app/cases/{id}": {"get": op("One case: the text and ids to file in Seller Central, mark filed, Amazon's answer, history (HTML; without a sign-in, 303 to /sign-in)", {
            "200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "303": {"description": "To /sign-in"},
            "404": {"description": "No such page"}}, tags=["dashboard"], parameters=[{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}])},
        "/app/recoveries": {"get": op("Money recovered: by month, by claim type, every payment (HTML; without a sign-in, 303 to /sign-in)", {
            "200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "303": {"description": "To /sign-in"},
            "404": {"description": "No such page"}}, tags=["dashboard"])},
        "/app/billing": {"get": op("Billing: the card on file (saved on Stripe's Checkout page), how the commission is collected, the commission per "
                                   "currency, invoices and the commission statement (HTML; without a sign-in, 303 to /sign-in)", {
            "200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "303": {"description": "To /sign-in"},
            "404": {"description": "No such page"}}, tags=["dashboard"], parameters=[
                {"name": "session_id", "in": "query", "schema": {"type": "string"}, "description": "Back from Checkout: the page saves the card"}])},
        "/app/partners": {"get": op("Partners: join the programme, the partner code and link, payouts set up on Stripe's Express onboarding, the "
                                    "balance, payouts on request and on a schedule, payout history, the sellers brought and the earnings on each "
                                    "(HTML; without a sign-in, 303 to /sign-in)", {
            "200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "303": {"description": "To /sign-in"},
            "404": {"description": "No such page"}}, tags=["dashboard"], parameters=[
                {"name": "onboarding", "in": "query", "schema": {"type": "string", "enum": ["return", "refresh"]},
                 "description": "Back from Stripe's onboarding: the page reads the account (return) or makes a new link (refresh)"}])},
        "/app/documents": {"get": op("Documents: drag-and-drop upload of invoices and price lists, what was read from each (HTML; without a sign-in, 303 to /sign-in)", {
            "200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "303": {"description": "To /sign-in"},
            "404": {"description": "No such page"}}, tags=["dashboard"])},
        "/app/documents/{id}": {"get": op("One document: the fields read, the lines highlighted in place, its matches, corrections (HTML; without a sign-in, 303 to /sign-in)", {
            "200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "303": {"description": "To /sign-in"},
            "404": {"description": "No such page"}}, tags=["dashboard"], parameters=[{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}])},
        "/app/prompts": {"get": op("Questions about documents, answered in one click (HTML; without a sign-in, 303 to /sign-in)", {
            "200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "303": {"description": "To /sign-in"},
            "404": {"description": "No such page"}}, tags=["dashboard"])},
        "/app/costs": {"get": op("Costs per SKU over time with anomalies, the manufacturing-cost file, proof packets (HTML; without a sign-in, 303 to /sign-in)", {
            "200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "303": {"description": "To /sign-in"},
            "404": {"description": "No such page"}}, tags=["dashboard"])},
        "/app/connections": {"get": op("Amazon accounts: connect, reconnect, disconnect (HTML; without a sign-in, 303 to /sign-in)", {
            "200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "303": {"description": "To /sign-in"},
            "404": {"description": "No such page"}}, tags=["dashboard"])},
        "/app/connections/{id}": {"get": op("One Amazon account: syncs with live progress, schedules, report import (HTML; without a sign-in, 303 to /sign-in)", {
            "200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "303": {"description": "To /sign-in"},
            "404": {"description": "No such page"}}, tags=["dashboard"], parameters=[{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}])},
        "/app/syncs/{id}": {"get": op("One sync run and its lines set aside (HTML; without a sign-in, 303 to /sign-in)", {
            "200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "303": {"description": "To /sign-in"},
            "404": {"description": "No such page"}}, tags=["dashboard"], parameters=[{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}])},
        "/app/notifications": {"get": op("Notifications (HTML; without a sign-in, 303 to /sign-in)", {
            "200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "303": {"description": "To /sign-in"},
            "404": {"description": "No such page"}}, tags=["dashboard"])},
        "/app/system": {"get": op("System tests, for operators (operators.emails): test-runner's suites, their runs and history, run now "
                                  "(HTML; anyone else gets the not-found page; without a sign-in, 303 to /sign-in)", {
            "200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "303": {"description": "To /sign-in"},
            "404": {"description": "No such page", "content": {"text/html": {"schema": {"type": "string"}}}}}, tags=["dashboard"])},
        "/app/system/runs/{id}": {"get": op("A test run's cases with why each failed, and its JUnit report (HTML; operators only)", {
            "200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "303": {"description": "To /sign-in"},
            "404": {"description": "No such page or run", "content": {"text/html": {"schema": {"type": "string"}}}}}, tags=["dashboard"],
            parameters=[{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}])},
        "/app/listings": {"get": op("Listings: every listing with its state, price, quantity and Amazon's issues in words; new listing; bulk "
                                    "changes (HTML; without a sign-in, 303 to /sign-in)", {"200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "303": {"description": "To /sign-in"},
            "404": {"description": "No such page", "content": {"text/html": {"schema": {"type": "string"}}}}}, tags=["dashboard"],
            parameters=[{"name": "connection", "in": "query", "schema": {"type": "string", "format": "uuid"}, "description": "The Amazon connection (the first active one by default)"}, {"name": "page", "in": "query", "schema": {"type": "string"}}])},
        "/app/listings/{sku}": {"get": op("One listing: its issues explained with what to do, price and quantity to change, delete "
                                          "(HTML; without a sign-in, 303 to /sign-in)", {"200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "303": {"description": "To /sign-in"},
            "404": {"description": "No such page", "content": {"text/html": {"schema": {"type": "string"}}}}}, tags=["dashboard"],
            parameters=[{"name": "sku", "in": "path", "required": True, "schema": {"type": "string"}}, {"name": "connection", "in": "query", "schema": {"type": "string", "format": "uuid"}, "description": "The Amazon connection (the first active one by default)"}])},
        "/app/listings/bulk/{id}": {"get": op("A bulk change: every SKU's outcome, followed while Amazon answers (HTML; without a sign-in, 303 "
                                              "to /sign-in)", {"200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "303": {"description": "To /sign-in"},
            "404": {"description": "No such page", "content": {"text/html": {"schema": {"type": "string"}}}}}, tags=["dashboard"],
            parameters=[{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}, {"name": "connection", "in": "query", "schema": {"type": "string", "format": "uuid"}, "description": "The Amazon connection (the first active one by default)"}])},
        "/app/catalog": {"get": op("Amazon's catalogue: search by ASIN, EAN/UPC or words; a product with your price, the Buy Box and the "
                                   "lowest offer (HTML; without a sign-in, 303 to /sign-in)", {"200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "303": {"description": "To /sign-in"},
            "404": {"description": "No such page", "content": {"text/html": {"schema": {"type": "string"}}}}}, tags=["dashboard"],
            parameters=[{"name": "connection", "in": "query", "schema": {"type": "string", "format": "uuid"}, "description": "The Amazon connection (the first active one by default)"}, {"name": "query", "in": "query", "schema": {"type": "string"}}])},
        "/app/search-queries": {"get": op("Search queries: Brand Analytics' top queries per ASIN for the latest week or month with their "
                                          "trend, the syncs and their schedule, a backfill of older periods (HTML; without a sign-in, 303 "
                                          "to /sign-in)", {"200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "303": {"description": "To /sign-in"},
            "404": {"description": "No such page", "content": {"text/html": {"schema": {"type": "string"}}}}}, tags=["dashboard"],
            parameters=[{"name": "connection", "in": "query", "schema": {"type": "string", "format": "uuid"}, "description": "The Amazon connection (the first active one by default)"},
                        {"name": "period", "in": "query", "schema": {"type": "string", "enum": ["WEEK", "MONTH"]}},
                        {"name": "marketplace", "in": "query", "schema": {"type": "string"}}])},
        "/app/advertising": {"get": op("Advertising: the connection's Amazon Ads account (connect by pasting an Ads refresh token, "
                                       "owners and admins), Sponsored Products spend per SKU and day beside the SKU's sales (ACoS, ad "
                                       "cost per unit), the spend's syncs (HTML; without a sign-in, 303 to /sign-in)", {
            "200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "303": {"description": "To /sign-in"},
            "404": {"description": "No such page", "content": {"text/html": {"schema": {"type": "string"}}}}}, tags=["dashboard"],
            parameters=[{"name": "connection", "in": "query", "schema": {"type": "string", "format": "uuid"}, "description": "The Amazon connection (the first active one by default)"},
                        {"name": "days", "in": "query", "schema": {"type": "integer", "enum": [7, 30, 90]}, "description": "The range: the last 7, 30 (default) or 90 days"},
                        {"name": "marketplace", "in": "query", "schema": {"type": "string"}}])},
        "/app/inbound": {"get": op("Inbound: the seller's FBA inbound plans and a new plan from SKUs and quantities (HTML; without a "
                                   "sign-in, 303 to /sign-in)", {"200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "303": {"description": "To /sign-in"},
            "404": {"description": "No such page", "content": {"text/html": {"schema": {"type": "string"}}}}}, tags=["dashboard"],
            parameters=[{"name": "connection", "in": "query", "schema": {"type": "string", "format": "uuid"}, "description": "The Amazon connection (the first active one by default)"}])},
        "/app/inbound/{id}": {"get": op("One inbound plan step by step: what Amazon offers at its step (packing, placement with fees, "
                                        "carriers), labels and tracking; followed while Amazon works (HTML; without a sign-in, 303 to /sign-in)",
                                        {"200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "303": {"description": "To /sign-in"},
            "404": {"description": "No such page", "content": {"text/html": {"schema": {"type": "string"}}}}}, tags=["dashboard"],
            parameters=[{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}, {"name": "connection", "in": "query", "schema": {"type": "string", "format": "uuid"}, "description": "The Amazon connection (the first active one by default)"}])},
        "/app/team": {"get": op("Team: members, roles, invitations (HTML; without a sign-in, 303 to /sign-in)", {
            "200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "303": {"description": "To /sign-in"},
            "404": {"description": "No such page"}}, tags=["dashboard"])},
        "/app/settings": {"get": op("Settings: password, e-mail address, notification e-mail, sign-ins (HTML; without a sign-in, 303 to /sign-in)", {
            "200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "303": {"description": "To /sign-in"},
            "404": {"description": "No such page"}}, tags=["dashboard"])},
        "/api/v1/account/password": {"post": op("Change the password (with the current one); every other sign-in ends", {
            "204": {"description": "Changed"}, "401": ERROR, "403": ERROR, "422": ERROR},
            request={"type": "object", "required": ["currentPassword", "newPassword"], "properties": {
                "currentPassword": {"type": "string"}, "newPassword": {"type": "string", "minLength": 12}}},
            security=SESSION, tags=["account"])},
        "/api/v1/account/email": {"post": op("Change the sign-in address (with the password); both addresses are told", {
            "200": json_response("Changed", obj(["email"], {"email": {"type": "string", "format": "email"}})),
            "401": ERROR, "403": ERROR, "409": ERROR, "422": ERROR},
            request={"type": "object", "required": ["password", "email"], "properties": {
                "password": {"type": "string"}, "email": {"type": "string", "format": "email"}}},
            security=SESSION, tags=["account"])},

        "/accept-invitation": {"get": op("Where an invitation e-mail's link leads: accept it, with a password when new (HTML)", {
            "200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}}, tags=["dashboard"])},
        "/reset-password": {"get": op("Where a password-reset e-mail's link leads: a form for the new password (HTML)", {
            "200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}}, tags=["dashboard"])},
        "/api/v1/auth/signup": {"post": op("Create a tenant and its owner", {
            "201": {**json_response("Signed up and signed in", SESSION_RESPONSE), "headers": SIGN_IN_COOKIES},
            "400": ERROR, "409": ERROR, "422": ERROR, "429": ERROR},
            request={"type": "object", "required": ["email", "password", "companyName"], "properties": {
                "email": {"type": "string", "format": "email"}, "password": {"type": "string", "minLength": 12},
                "companyName": {"type": "string", "minLength": 1, "maxLength": 200}, "displayName": {"type": "string"},
                "referralCode": {"type": "string", "maxLength": 40,
                                 "description": "The code of the partner (agency or referrer) who brought the seller"}}}, tags=["auth"])},
        "/api/v1/auth/login": {"post": op("Sign in", {
            "200": {**json_response("Signed in", SESSION_RESPONSE), "headers": SIGN_IN_COOKIES},
            "400": ERROR, "401": ERROR, "422": ERROR, "429": ERROR},
            request={"type": "object", "required": ["email", "password"], "properties": {
                "email": {"type": "string"}, "password": {"type": "string"}}}, tags=["auth"])},
        "/api/v1/auth/refresh": {"post": op(
            "Stay signed in: the refresh cookie (with X-CSRF-Token) gives a new bearer token and the next refresh token. "
            "A refresh token used again after its successor was issued ends the sign-in.", {
                "200": {**json_response("Refreshed", SESSION_RESPONSE), "headers": SIGN_IN_COOKIES},
                "401": ERROR, "403": ERROR, "429": ERROR}, parameters=CSRF_HEADER, tags=["auth"])},
        "/api/v1/auth/password-reset": {"post": op(
            "Mail a single-use link to reset the password (the same answer whether or not the address has an account)", {
                "202": json_response("Accepted", obj(["message"], {"message": {"type": "string"}})), "400": ERROR, "422": ERROR, "429": ERROR},
            request={"type": "object", "required": ["email"], "properties": {"email": {"type": "string", "format": "email"}}}, tags=["auth"])},
        "/api/v1/auth/password-reset/confirm": {"post": op(
            "Set a new password with the link's token: the link is spent and every sign-in of the person ends", {
                "204": {"description": "Password changed"}, "400": ERROR, "422": ERROR, "429": ERROR},
            request={"type": "object", "required": ["token", "password"], "properties": {
                "token": {"type": "string"}, "password": {"type": "string", "minLength": 12}}}, tags=["auth"])},
        "/api/v1/auth/invitations/accept": {"post": op(
            "Accept an invitation: a new person sets a password and is signed in (201); a person with an account accepts "
            "signed in as the invited address (200)", {
                "200": json_response("Joined", JOINED), "201": {**json_response("Account created and signed in", SESSION_RESPONSE),
                                                                "headers": SIGN_IN_COOKIES},
                "400": ERROR, "401": ERROR, "422": ERROR},
            request={"type": "object", "required": ["token"], "properties": {
                "token": {"type": "string"}, "password": {"type": "string", "minLength": 12}, "displayName": {"type": "string"}}},
            tags=["team"])},
        "/api/v1/auth/tenants": {"get": op("Every tenant the person belongs to, with their role there", {
            "200": json_response("Tenants", obj(["tenants", "currentTenantId"], {
                "tenants": {"type": "array", "items": TENANT_MEMBERSHIP}, "currentTenantId": {"type": "string", "format": "uuid"}})),
            "401": ERROR}, security=SESSION, tags=["team"])},
        "/api/v1/auth/switch-tenant": {"post": op("Move this sign-in to another tenant the person belongs to: a new bearer token for it", {
            "200": json_response("Switched", SESSION_RESPONSE), "400": ERROR, "401": ERROR, "404": ERROR, "422": ERROR},
            request={"type": "object", "required": ["tenantId"], "properties": {"tenantId": {"type": "string", "format": "uuid"}}},
            security=SESSION, tags=["team"])},
        "/api/v1/team": {"get": op("The tenant's members and pending invitations", {
            "200": json_response("Team", obj(["members", "invitations"], {
                "members": {"type": "array", "items": TEAM_MEMBER}, "invitations": {"type": "array", "items": INVITATION}})),
            "401": ERROR, "403": ERROR}, security=SESSION, tags=["team"])},
        "/api/v1/team/invitations": {"post": op("Invite someone by e-mail as admin or member (owners and admins)", {
            "201": json_response("Invited; the e-mail is on its way", obj(["invitation"], {"invitation": INVITATION})),
            "401": ERROR, "403": ERROR, "409": ERROR, "422": ERROR},
            request={"type": "object", "required": ["email", "role"], "properties": {
                "email": {"type": "string", "format": "email"}, "role": {"type": "string", "enum": ["admin", "member"]}}},
            security=SESSION, tags=["team"])},
        "/api/v1/team/invitations/{id}": {"delete": op("Revoke a pending invitation (owners and admins)", {
            "204": {"description": "Revoked"}, "401": ERROR, "403": ERROR, "404": ERROR, "422": ERROR}, security=SESSION, tags=["team"],
            parameters=[{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}])},
        "/api/v1/team/members/{userId}": {
            "patch": op("Change a member's role (owners; a tenant keeps an owner)", {
                "200": json_response("The member", obj(["member"], {"member": TEAM_MEMBER})),
                "401": ERROR, "403": ERROR, "404": ERROR, "409": ERROR, "422": ERROR},
                request={"type": "object", "required": ["role"], "properties": {"role": {"type": "string", "enum": ["owner", "admin", "member"]}}},
                security=SESSION, tags=["team"],
                parameters=[{"name": "userId", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}]),
            "delete": op("Remove a member (owners: anyone; admins: not owners; anyone: themselves); their sign-ins here end", {
                "204": {"description": "Removed"}, "401": ERROR, "403": ERROR, "404": ERROR, "409": ERROR, "422": ERROR},
                security=SESSION, tags=["team"],
                parameters=[{"name": "userId", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}])},
        "/api/v1/auth/logout": {"post": op("Sign out of this sign-in (named by the bearer token, or by the refresh cookie with X-CSRF-Token)", {
            "204": {"description": "Signed out; the cookies are cleared", "headers": SIGN_IN_COOKIES},
            "400": ERROR, "401": ERROR, "403": ERROR}, parameters=CSRF_HEADER, tags=["auth"])},
        "/api/v1/auth/logout-all": {"post": op("Sign out everywhere: every sign-in of the person ends, bearer tokens included", {
            "200": json_response("How many sign-ins ended", obj(["ended"], {"ended": {"type": "integer", "minimum": 0}})),
            "401": ERROR}, security=SESSION, tags=["auth"])},
        "/api/v1/auth/sessions": {"get": op("The person's live sign-ins, newest use first", {
            "200": json_response("Sign-ins", SIGN_IN_SESSIONS), "401": ERROR}, security=SESSION, tags=["auth"])},
        "/api/v1/auth/sessions/{id}": {"delete": op("End one of the person's sign-ins", {
            "204": {"description": "Ended"}, "401": ERROR, "404": ERROR, "422": ERROR}, security=SESSION, tags=["auth"],
            parameters=[{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}])},
        "/api/v1/notifications": {"get": op("The person's notifications in this tenant, newest first", {
            "200": json_response("A page", obj(["notifications", "unreadCount"], {
                "notifications": {"type": "array", "items": NOTIFICATION}, "unreadCount": {"type": "integer", "minimum": 0},
                "nextCursor": {"type": "string"}})), "401": ERROR, "422": ERROR}, security=SESSION, tags=["notifications"], parameters=[
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
            {"name": "unread_only", "in": "query", "schema": {"type": "boolean", "default": False}},
            {"name": "before", "in": "query", "schema": {"type": "string"}, "description": "nextCursor of the previous page"}])},
        "/api/v1/notifications/unread-count": {"get": op("How many are unread (the bell)", {
            "200": json_response("Count", obj(["unreadCount"], {"unreadCount": {"type": "integer", "minimum": 0}})), "401": ERROR},
            security=SESSION, tags=["notifications"])},
        "/api/v1/notifications/read-all": {"post": op("Mark every notification read", {
            "200": json_response("How many were unread", obj(["updated"], {"updated": {"type": "integer", "minimum": 0}})), "401": ERROR},
            security=SESSION, tags=["notifications"])},
        "/api/v1/notifications/preferences": {
            "get": op("Which kinds also come by e-mail, and when", {"200": json_response("Preferences", NOTIFICATION_PREFERENCES), "401": ERROR},
                      security=SESSION, tags=["notifications"]),
            "put": op("Choose which kinds come by e-mail: in a daily digest or as they happen", {
                "200": json_response("Preferences", NOTIFICATION_PREFERENCES), "401": ERROR, "422": ERROR},
                request=NOTIFICATION_PREFERENCES, security=SESSION, tags=["notifications"])},
        "/api/v1/notifications/{id}/read": {"post": op("Mark one read", {"200": ONE_NOTIFICATION, "401": ERROR, "404": ERROR, "422": ERROR},
                                                       security=SESSION, tags=["notifications"], parameters=NOTIFICATION_ID)},
        "/api/v1/notifications/{id}/unread": {"post": op("Mark one unread", {"200": ONE_NOTIFICATION, "401": ERROR, "404": ERROR, "422": ERROR},
                                                         security=SESSION, tags=["notifications"], parameters=NOTIFICATION_ID)},
        "/api/v1/notifications/{id}": {"delete": op("Delete one", {"204": {"description": "Deleted"}, "401": ERROR, "404": ERROR, "422": ERROR},
                                                    security=SESSION, tags=["notifications"], parameters=NOTIFICATION_ID)},
        "/api/v1/me": {"get": op("Who is signed in, and in which tenant", {
            "200": json_response("The user and tenant", ME_RESPONSE), "401": ERROR}, security=SESSION, tags=["account"])},
        "/api/v1/billing": {"get": op("The tenant's billing account (from payments)", {
            "200": json_response("Billing account", BILLING_RESPONSE), "401": ERROR, "404": ERROR, "503": ERROR},
            security=SESSION, tags=["account"])},
        "/api/v1/realtime": {"get": op("Server-sent events of the tenant's events", {
            "200": {"description": "text/event-stream", "content": {"text/event-stream": {"schema": {"type": "string"}}}}, "401": ERROR},
            security=SESSION, tags=["realtime"])},
        "/api/v1/realtime/ws": {"get": op("The tenant's events as a WebSocket (one text message per event envelope); needs the "
                                          "access cookie or ?access_token=, and from a browser an Origin of this site", {
            "101": {"description": "Switched to the WebSocket protocol"}, "401": ERROR, "403": ERROR, "426": ERROR},
            security=SESSION, tags=["realtime"],
            parameters=[{"name": "access_token", "in": "query", "schema": {"type": "string"}, "description": "For clients without cookies"}])},
        "/api/v1/amazon/connections/consent-url": {"post": op("Start connecting an Amazon seller: the Seller Central consent URL", {
            "200": {**json_response("Consent URL with a single-use state", AMAZON_CONSENT), "headers": {"Set-Cookie": {
                "description": "opside_amazon_consent_<state prefix>: binds the flow to this browser (HttpOnly, SameSite=Lax, "
                               "Path=/api/v1/amazon/callback, Max-Age until the state expires, Secure over TLS)",
                "schema": {"type": "string"}}}},
            "401": ERROR, "422": ERROR, "503": ERROR},
            security=SESSION, request=AMAZON_CONSENT_REQUEST, tags=["amazon"])},
        "/api/v1/amazon/callback": {"get": op("Amazon's redirect after consent: validates state and the browser's consent cookie, "
                                              "stores the connection for the seller Amazon reports. A browser (Accept: text/html) is "
                                              "sent on to the dashboard (303): the connection's page, or the connections page with why it failed", {
            "303": {"description": "To the dashboard (browsers)"},
            "200": json_response("Seller reconnected", AMAZON_CONNECTION), "201": json_response("Seller connected", AMAZON_CONNECTION),
            "400": ERROR, "403": ERROR, "409": ERROR, "422": ERROR, "502": ERROR, "503": ERROR}, tags=["amazon"], parameters=[
            {"name": "state", "in": "query", "required": True, "schema": {"type": "string"}},
            {"name": "spapi_oauth_code", "in": "query", "required": True, "schema": {"type": "string"}},
            {"name": "selling_partner_id", "in": "query", "required": False, "schema": {"type": "string"},
             "description": "Compared with, never preferred to, the seller Amazon's APIs report"}])},
        "/api/v1/amazon/connections/refresh-token": {"post": op("Connect a private app's self-authorized refresh token", {
            "200": json_response("Seller reconnected", AMAZON_CONNECTION), "201": json_response("Seller connected", AMAZON_CONNECTION),
            "401": ERROR, "422": ERROR, "502": ERROR, "503": ERROR},
            security=SESSION, request=AMAZON_REFRESH_TOKEN_REQUEST, tags=["amazon"])},
        "/api/v1/amazon/connections": {"get": op("The tenant's Amazon connections", {
            "200": json_response("Connections", AMAZON_CONNECTION_LIST), "401": ERROR, "503": ERROR}, security=SESSION, tags=["amazon"])},
        "/api/v1/amazon/connections/{connectionId}": {
            "get": op("One Amazon connection", {"200": json_response("Connection", AMAZON_CONNECTION), "401": ERROR, "404": ERROR, "503": ERROR},
                      security=SESSION, parameters=CONNECTION_ID, tags=["amazon"]),
            "delete": op("Disconnect: deletes the tokens, publishes amazon.disconnected", {
                "200": json_response("Disconnected", AMAZON_CONNECTION), "401": ERROR, "404": ERROR, "503": ERROR},
                security=SESSION, parameters=CONNECTION_ID, tags=["amazon"])},
    },
    "integrations": {
        "/internal/amazon/connections/consent-url": {"post": op("Issue a consent URL and state for the token's tenant (main-api only)", {
            "200": json_response("Consent URL", AMAZON_CONSENT), "401": ERROR, "403": ERROR, "422": ERROR},
            security=SERVICE_TOKEN, request={**AMAZON_CONSENT_REQUEST, "required": ["userId", "browserBinding"],
                                             "properties": {**AMAZON_CONSENT_REQUEST["properties"], **WITH_USER,
                                                            "browserBinding": {"type": "string", "minLength": 43, "maxLength": 256}}},
            tags=["amazon"])},
        "/internal/amazon/oauth/callback": {"post": op("Complete consent: validate state, exchange the code, record (main-api only)", {
            "200": json_response("Reconnected", AMAZON_CONNECTION), "201": json_response("Connected", AMAZON_CONNECTION),
            "400": ERROR, "401": ERROR, "403": ERROR, "409": ERROR, "422": ERROR, "502": ERROR},
            security=SERVICE_TOKEN, request={"type": "object", "required": ["state", "spapiOAuthCode"], "properties": {
                "state": {"type": "string"}, "spapiOAuthCode": {"type": "string"}, "sellingPartnerId": {"type": "string"},
                "browserBinding": {"type": "string"}, **WITH_USER}},
            tags=["amazon"])},
        "/internal/amazon/connections/refresh-token": {"post": op("Connect a self-authorized refresh token (main-api only)", {
            "200": json_response("Reconnected", AMAZON_CONNECTION), "201": json_response("Connected", AMAZON_CONNECTION),
            "401": ERROR, "403": ERROR, "422": ERROR, "502": ERROR},
            security=SERVICE_TOKEN, request={**AMAZON_REFRESH_TOKEN_REQUEST,
                                             "properties": {**AMAZON_REFRESH_TOKEN_REQUEST["properties"], **WITH_USER}}, tags=["amazon"])},
        "/internal/amazon/connections": {"get": op("The token's tenant's connections", {
            "200": json_response("Connections", AMAZON_CONNECTION_LIST), "400": ERROR, "401": ERROR}, security=SERVICE_TOKEN, tags=["amazon"])},
        "/internal/amazon/connections/{connectionId}": {
            "get": op("One connection of the token's tenant", {"200": json_response("Connection", AMAZON_CONNECTION),
                                                                "400": ERROR, "401": ERROR, "404": ERROR},
                      security=SERVICE_TOKEN, parameters=CONNECTION_ID, tags=["amazon"]),
            "delete": op("Disconnect (main-api only)", {"200": json_response("Disconnected", AMAZON_CONNECTION),
                                                         "401": ERROR, "403": ERROR, "404": ERROR},
                         security=SERVICE_TOKEN, parameters=CONNECTION_ID, tags=["amazon"])},
        "/internal/amazon/connections/{connectionId}/access-token": {"post": op(
            "Token vault: a short-lived access token for a connection of the token's tenant (never the refresh token)", {
                "200": json_response("Access token", AMAZON_ACCESS_TOKEN), "400": ERROR, "401": ERROR,
                "404": ERROR, "409": ERROR, "502": ERROR},
            security=SERVICE_TOKEN, parameters=CONNECTION_ID, request={"type": "object", "properties": {
                "rejectedAccessToken": {"type": "string", "description": "A token Amazon refused; the vault drops it and refreshes"}}},
            tags=["amazon"])},
    },
    "payments": {
        "/internal/billing-account": {"get": op("The calling tenant's billing account", {
            "200": json_response("Billing account", BILLING_RESPONSE), "401": ERROR, "404": ERROR},
            security=SERVICE_TOKEN, tags=["billing"])},
        # Stripe posts here; the Stripe-Signature header is the authentication (no service token).
        "/webhooks/stripe/{endpoint}": {"post": op(
            "A Stripe webhook delivery, kept once per event and processed by a job", {
                "200": json_response("Received (a repeat says duplicate: true)", {
                    "type": "object", "additionalProperties": False, "required": ["received", "duplicate"],
                    "properties": {"received": {"type": "boolean"}, "duplicate": {"type": "boolean"}}}),
                "400": ERROR, "404": ERROR, "503": ERROR},
            request=STRIPE_EVENT, tags=["billing"], parameters=[
                {"name": "endpoint", "in": "path", "required": True, "schema": {"type": "string", "enum": ["account", "connect"]}},
                {"name": "Stripe-Signature", "in": "header", "required": True, "schema": {"type": "string"},
                 "description": "t=<unix seconds>,v1=<HMAC-SHA256 of \"<t>.<body>\">[,v1=…]"}])},
    },
}

# inventory-sync (issue 4): sync triggers, progress, history, schedules, discrepancies and report
# imports on inventory-sync; main-api forwards the public twins under /api/v1/amazon.
SYNC_DATASETS = ["ledger_detail", "reimbursements", "customer_returns", "removal_orders", "removal_shipments", "inbound_shipments",
                 "financial_events", "replacements", "orders", "inventory_summaries", "ledger_summary", "estimated_fees", "listings",
                 "search_query_performance_weekly", "search_query_performance_monthly", "ads_spend"]
SYNC_RUN = {"type": "object", "additionalProperties": False,
            "required": ["runId", "connectionId", "dataset", "trigger", "state", "queuedAt", "windowsTotal", "windowsDone",
                         "pagesDone", "rowsDone", "rowsInserted", "rowsUpdated", "rowsQuarantined"], "properties": {
    "runId": {"type": "string", "format": "uuid"}, "connectionId": {"type": "string", "format": "uuid"},
    "dataset": {"type": "string", "enum": SYNC_DATASETS + ["import"]},
    "trigger": {"type": "string", "enum": ["schedule", "manual", "backfill", "import"]},
    "state": {"type": "string", "enum": ["queued", "running", "retrying", "succeeded", "failed", "needs_reauthorization", "cancelled"]},
    "queuedAt": {"type": "string", "format": "date-time"}, "startedAt": {"type": "string", "format": "date-time"},
    "finishedAt": {"type": "string", "format": "date-time"}, "windowsTotal": {"type": "integer"}, "windowsDone": {"type": "integer"},
    "pagesDone": {"type": "integer"}, "rowsDone": {"type": "integer"}, "rowsInserted": {"type": "integer"},
    "rowsUpdated": {"type": "integer"}, "rowsQuarantined": {"type": "integer"},
    "estimatedFinishAt": {"type": "string", "format": "date-time"},
    "errorKind": {"type": "string", "enum": ["transient", "permanent", "authorization", "disconnected"]}, "errorMessage": {"type": "string"},
    "detectedReportType": {"type": "string"},
    # Rows kept without the value of an optional column no reader understood, and those values.
    "rowsWithWarnings": {"type": "integer"}, "warnings": {"type": "array", "items": {"$ref": "#/components/schemas/RowWarning"}}}}
SYNC_RUNS = obj(["runs"], {"runs": {"type": "array", "items": SYNC_RUN}})
SYNC_TRIGGER = {"type": "object", "required": ["dataset"], "properties": {"dataset": {"type": "string", "enum": ["all"] + SYNC_DATASETS}}}
SYNC_SCHEDULE = obj(["connectionId", "dataset", "intervalSeconds", "enabled", "nextRunAt"], {
    "connectionId": {"type": "string", "format": "uuid"}, "dataset": {"type": "string", "enum": SYNC_DATASETS},
    "intervalSeconds": {"type": "integer", "minimum": 300, "maximum": 2592000},
    "enabled": {"type": "boolean"}, "nextRunAt": {"type": "string", "format": "date-time"}, "changedBy": {"type": "string"},
    # Set while the seller's Amazon account is disconnected: the schedule waits for a reconnection.
    "pausedAt": {"type": "string", "format": "date-time"},
    # The calendar datasets (Search Query Performance) run at Amazon's times, said here in words.
    "runsAt": {"type": "string"}})
SYNC_SCHEDULES = obj(["schedules"], {"schedules": {"type": "array", "items": SYNC_SCHEDULE}})
SYNC_SCHEDULE_REQUEST = {"type": "object", "required": ["intervalSeconds"], "properties": {
    "intervalSeconds": {"type": "integer", "minimum": 300, "maximum": 2592000}, "enabled": {"type": "boolean"}}}
SYNC_QUARANTINE = obj(["lines"], {"lines": {"type": "array", "items": obj(["lineNumber", "reason", "rawLine"], {
    "lineNumber": {"type": "integer", "minimum": 1}, "reason": {"type": "string"}, "rawLine": {"type": "string"}})}})
SYNC_DISCREPANCIES = obj(["discrepancies"], {"discrepancies": {"type": "array", "items": obj(
    ["marketplaceId", "fnsku", "summaryQuantity", "ledgerQuantity", "difference"], {
        "marketplaceId": {"type": "string"}, "fnsku": {"type": "string"}, "sellerSku": {"type": "string"},
        "summaryQuantity": {"type": "integer"}, "ledgerQuantity": {"type": "integer"}, "difference": {"type": "integer"}})}})
SYNC_CONNECTION = [{"name": "connectionId", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}]
# Brand Analytics' Search Query Performance (issue 16): the trends per ASIN, and the backfill.
SQP_PERIOD = {"type": "string", "enum": ["WEEK", "MONTH"]}
SQP_TRENDS = obj(["period", "marketplaceIds", "periods", "asins"], {
    "period": SQP_PERIOD, "marketplaceId": {"type": "string"}, "marketplaceIds": {"type": "array", "items": {"type": "string"}},
    "periods": {"type": "array", "items": {"type": "string", "format": "date"}}, "latestEndDate": {"type": "string", "format": "date"},
    "asins": {"type": "array", "items": obj(["asin", "queries"], {
        "asin": {"type": "string"}, "title": {"type": "string"},
        "queries": {"type": "array", "items": obj(["searchQuery", "searchQueryScore", "searchQueryVolume", "volumes"], {
            "searchQuery": {"type": "string"}, "searchQueryScore": {"type": "integer", "minimum": 0},
            "searchQueryVolume": {"type": "integer", "minimum": 0}, "volumeChange": {"type": "string"},
            "asinImpressionShare": {"type": "number"}, "asinClickShare": {"type": "number"}, "asinPurchaseShare": {"type": "number"},
            "asinPurchases": {"type": "integer"},
            "volumes": {"type": "array", "items": {"type": ["integer", "null"]}}})}})}})
SQP_QUERY = [{"name": "period", "in": "query", "schema": SQP_PERIOD},
             {"name": "marketplaceId", "in": "query", "schema": {"type": "string"}},
             {"name": "asin", "in": "query", "schema": {"type": "string", "minLength": 10, "maxLength": 10}},
             {"name": "periods", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 26}},
             {"name": "top", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 50}}]
SQP_BACKFILL = {"type": "object", "required": ["period", "from"], "properties": {
    "period": SQP_PERIOD, "from": {"type": "string", "format": "date"}}}
ADS_MONEY = {"$ref": "#/components/schemas/Money"}
ADS_SPEND = obj(["marketplaceIds", "from", "to", "days", "skus"], {
    "marketplaceId": {"type": "string"}, "marketplaceIds": {"type": "array", "items": {"type": "string"}},
    "currency": {"type": "string"}, "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
    "days": {"type": "array", "items": {"type": "string", "format": "date"}},
    "latestDay": {"type": "string", "format": "date", "description": "The last day synced; the latest three still settle at Amazon"},
    "totals": obj(["impressions", "clicks", "adCost", "unitsOrdered", "sales"], {
        "impressions": {"type": "integer", "minimum": 0}, "clicks": {"type": "integer", "minimum": 0}, "adCost": ADS_MONEY,
        "unitsOrdered": {"type": "integer", "minimum": 0}, "sales": ADS_MONEY, "acos": {"type": "string"}}),
    "skus": {"type": "array", "description": "Most spent first", "items": obj(
        ["sellerSku", "impressions", "clicks", "adCost", "unitsOrdered", "sales", "dailyCostMinor"], {
            "sellerSku": {"type": "string"}, "asin": {"type": "string"}, "title": {"type": "string"},
            "impressions": {"type": "integer", "minimum": 0}, "clicks": {"type": "integer", "minimum": 0}, "adCost": ADS_MONEY,
            "unitsOrdered": {"type": "integer", "minimum": 0}, "sales": ADS_MONEY,
            "acos": {"type": "string", "description": "Ad cost over sales, e.g. 12.5%"}, "adCostPerUnit": ADS_MONEY,
            "dailyCostMinor": {"type": "array", "items": {"type": "integer"}, "description": "The ad cost of each of `days`"}})}})
ADS_SPEND_QUERY = [{"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
                   {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
                   {"name": "marketplaceId", "in": "query", "schema": {"type": "string"}},
                   {"name": "sku", "in": "query", "schema": {"type": "string", "maxLength": 200}, "description": "Only this SKU"}]
SYNC_RUN_ID = [{"name": "runId", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}]
SYNC_DATASET_PARAM = [{"name": "dataset", "in": "path", "required": True, "schema": {"type": "string", "enum": SYNC_DATASETS}}]
SYNC_HISTORY_QUERY = [{"name": "dataset", "in": "query", "schema": {"type": "string", "enum": SYNC_DATASETS}},
                      {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}}]
SYNC_IMPORT_QUERY = [{"name": "marketplaceId", "in": "query", "schema": {"type": "string"}},
                     {"name": "fileName", "in": "query", "schema": {"type": "string"}}]


def sync_paths(prefix, security, who):
    """The sync routes under `prefix` (inventory-sync's internal ones, or main-api's public twins)."""
    upload = {"required": True, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}
    imports = op("Import a Seller Central report file (type from the header; gzip or plain; UTF-8, BOM, UTF-16 or Windows-1252; CRLF; "
                 "a header alone is an empty report). Answered once the header is read: 202 with the run, which loads in the "
                 "background (watch it at /syncs/{runId}; its quarantine at /syncs/{runId}/quarantine). Refused at once: 422 for an "
                 "unknown type, a missing column, a header past its limits (details.code names it), 413 for an upload past the size "
                 "limit, 429 when the account already has its imports loading. A file past a limit while loading (line length, "
                 "decompressed size, rows) or past the import deadline ends its run failed, with the reason", {
        "202": json_response("Accepted: the import's run, loading", SYNC_RUNS), "401": ERROR, "404": ERROR, "413": ERROR, "422": ERROR,
        "429": ERROR, "503": ERROR},
        security=security, parameters=SYNC_CONNECTION + SYNC_IMPORT_QUERY, tags=["sync"])
    imports["requestBody"] = upload
    return {
        f"{prefix}/connections/{{connectionId}}/syncs": {
            "post": op(f"Sync one dataset or all now ({who})", {
                "202": json_response("The live, recent (a manual trigger within the cooldown) or new run per dataset", SYNC_RUNS), "401": ERROR, "404": ERROR, "409": ERROR, "422": ERROR,
                "503": ERROR}, security=security, request=SYNC_TRIGGER, parameters=SYNC_CONNECTION, tags=["sync"]),
            "get": op("Sync history, newest first", {"200": json_response("Runs", SYNC_RUNS), "401": ERROR, "422": ERROR},
                      security=security, parameters=SYNC_CONNECTION + SYNC_HISTORY_QUERY, tags=["sync"])},
        f"{prefix}/syncs/{{runId}}": {"get": op("A run's state, progress and estimate", {
            "200": json_response("Run", SYNC_RUN), "401": ERROR, "404": ERROR}, security=security, parameters=SYNC_RUN_ID, tags=["sync"])},
        f"{prefix}/syncs/{{runId}}/quarantine": {"get": op("A run's malformed lines: number, reason, raw text", {
            "200": json_response("Quarantined lines", SYNC_QUARANTINE), "401": ERROR}, security=security, parameters=SYNC_RUN_ID,
            tags=["sync"])},
        f"{prefix}/connections/{{connectionId}}/schedules": {"get": op("Sync schedules of a connection", {
            "200": json_response("Schedules", SYNC_SCHEDULES), "401": ERROR}, security=security, parameters=SYNC_CONNECTION, tags=["sync"])},
        f"{prefix}/connections/{{connectionId}}/schedules/{{dataset}}": {"put": op("Change how often a dataset syncs (operators)", {
            "200": json_response("Schedule", SYNC_SCHEDULE), "401": ERROR, "404": ERROR, "422": ERROR},
            security=security, request=SYNC_SCHEDULE_REQUEST, parameters=SYNC_CONNECTION + SYNC_DATASET_PARAM, tags=["sync"])},
        f"{prefix}/connections/{{connectionId}}/discrepancies": {"get": op("Per-FNSKU inventory vs ledger differences", {
            "200": json_response("Discrepancies", SYNC_DISCREPANCIES), "401": ERROR}, security=security, parameters=SYNC_CONNECTION,
            tags=["sync"])},
        f"{prefix}/connections/{{connectionId}}/imports": {"post": imports},
        f"{prefix}/connections/{{connectionId}}/search-query-performance": {"get": op(
            "Brand Analytics' search queries per ASIN: the top queries of the latest week or month, each with its volume in the "
            "periods before, its change, and the ASIN's shares of impressions, clicks and purchases", {
                "200": json_response("Trends", SQP_TRENDS), "401": ERROR, "404": ERROR, "422": ERROR},
            security=security, parameters=SYNC_CONNECTION + SQP_QUERY, tags=["sync"])},
        f"{prefix}/connections/{{connectionId}}/search-query-performance/backfill": {"post": op(
            "Load Search Query Performance from the period holding `from` (at most two years back) through the latest complete one "
            "(operators). 409 while that dataset is syncing", {
                "202": json_response("The backfill's run", SYNC_RUNS), "401": ERROR, "404": ERROR, "409": ERROR, "422": ERROR, "503": ERROR},
            security=security, request=SQP_BACKFILL, parameters=SYNC_CONNECTION, tags=["sync"])},
        f"{prefix}/connections/{{connectionId}}/ads-spend": {"get": op(
            "Sponsored Products spend per SKU and day from the Amazon Ads API (default: the 30 days up to today, at most 366), "
            "with each SKU's units ordered and sales on the same days, its ACoS and ad cost per unit", {
                "200": json_response("The spend", ADS_SPEND), "401": ERROR, "404": ERROR, "409": ERROR, "422": ERROR},
            security=security, parameters=SYNC_CONNECTION + ADS_SPEND_QUERY, tags=["sync"])},
    }


SERVICE_PATHS["inventory-sync"] = sync_paths("/internal/amazon", SERVICE_TOKEN, "for the token's tenant")
SERVICE_PATHS["main-api"].update(sync_paths("/api/v1/amazon", SESSION, "forwarded to inventory-sync"))


# claim-detector (issue 11): detection, claims, summary, dismissal, per-SKU unit costs and
# expected fees on claim-detector; main-api forwards the public twins under /api/v1/claims.
CLAIM_TYPES = ["warehouse_lost", "warehouse_damaged", "disposed_unrequested", "inbound_shortage", "refund_without_return",
               "return_not_restocked", "replacement_not_returned", "removal_lost", "fee_overcharge", "underpaid_reimbursement",
               "reimbursement_reversal"]
CLAIM_STATUSES = ["too_early", "claimable", "expired", "resolved", "dismissed"]
MONEY = {"$ref": "#/components/schemas/Money"}
DAY = {"type": "string", "format": "date"}
CLAIM_VALUATION = obj(["basis", "isEstimate", "source"], {
    "basis": {"type": "string", "enum": ["manufacturing_cost", "amazon_estimate", "price_minus_fees", "fee_difference",
                                         "paid_difference", "reversed_amount"]},
    "unitValue": MONEY, "isEstimate": {"type": "boolean"}, "source": {"type": "string"}})
CLAIM_EXPLANATION = obj(["sourceRows", "netting", "summary"], {
    "sourceRows": {"type": "array", "items": obj(["dataset", "rowId", "description"], {
        "dataset": {"type": "string"}, "rowId": {"type": "string"}, "date": DAY, "quantity": {"type": "integer"}, "amount": MONEY,
        "description": {"type": "string"}})},
    "netting": {"type": "array", "items": obj(["label", "units"], {"label": {"type": "string"}, "units": {"type": "integer"}})},
    "summary": {"type": "string"}})
CLAIM = obj(["id", "type", "status", "connectionId", "marketplaceId", "units", "amount", "clockStartedAt", "opensOn", "deadline",
             "sourceIds", "firstDetectedAt", "lastDetectedAt"], {
    "id": {"type": "string", "format": "uuid"}, "type": {"type": "string", "enum": CLAIM_TYPES},
    "status": {"type": "string", "enum": CLAIM_STATUSES}, "connectionId": {"type": "string", "format": "uuid"},
    "marketplaceId": {"type": "string"}, "fnsku": {"type": "string"}, "sku": {"type": "string"}, "asin": {"type": "string"},
    "units": {"type": "integer", "minimum": 0}, "amount": MONEY,
    "clockStartedAt": {**DAY, "description": "The marketplace-local day the claim's clock started"},
    "opensOn": DAY, "deadline": {**DAY, "description": "The last day the claim can be filed"},
    "sourceIds": {"type": "object", "additionalProperties": {"type": "string"}},
    "resolutionReason": {"type": "string"}, "dismissedReason": {"type": "string"}, "dismissedAt": {"type": "string", "format": "date-time"},
    "firstDetectedAt": {"type": "string", "format": "date-time"}, "lastDetectedAt": {"type": "string", "format": "date-time"},
    "valuation": CLAIM_VALUATION, "explanation": CLAIM_EXPLANATION,
    "approvalProbability": {"type": "number", "minimum": 0, "maximum": 1,
                            "description": "The approval model's chance that Amazon approves the claim's case"},
    "approval": obj(["probability", "modelExamples", "factors"], {
        "probability": {"type": "number", "minimum": 0, "maximum": 1},
        "modelTrainedAt": {"type": "string", "format": "date-time", "description": "Absent while the model is its prior alone"},
        "modelExamples": {"type": "integer", "description": "Decided cases the model learned from"},
        "factors": {"type": "array", "items": obj(["feature", "value", "effect"], {
            "feature": {"type": "string", "enum": ["type", "marketplace", "ageAtFilingDays", "amount", "evidencePresent", "sellerHistory"]},
            "value": {"type": "string"},
            "effect": {"type": "number", "description": "Its contribution to the log-odds of approval"}})}})})
NUMBER = {"type": "number"}
CALIBRATION = obj(["cases", "brierScore", "baseRateBrierScore", "priorBrierScore", "reliability"], {
    "cases": {"type": "integer"}, "brierScore": NUMBER, "baseRateBrierScore": NUMBER, "priorBrierScore": NUMBER,
    "reliability": {"type": "array", "items": obj(["from", "to", "cases"], {
        "from": NUMBER, "to": NUMBER, "cases": {"type": "integer"}, "meanPredicted": NUMBER, "observedRate": NUMBER})}})
APPROVAL_MODEL = obj(["model"], {"model": obj(
    ["examples", "approvedExamples", "priorProbability", "features", "weights", "calibrationMethod"], {
        "modelId": {"type": "string", "format": "uuid"}, "trainedAt": {"type": "string", "format": "date-time"},
        "examples": {"type": "integer"}, "approvedExamples": {"type": "integer"}, "priorProbability": NUMBER,
        "features": {"type": "array", "items": {"type": "string"}}, "weights": {"type": "array", "items": NUMBER},
        "calibration": CALIBRATION, "calibrationMethod": {"type": "string"}})})
CLAIM_PAGE = obj(["claims"], {"claims": {"type": "array", "items": CLAIM},
                             "nextCursor": {"type": "string", "description": "Pass as cursor for the next page; absent on the last"}})
CLAIM_RESPONSE = obj(["claim"], {"claim": CLAIM})
DETECTION_RUN = obj(["runId", "tenantId", "state", "trigger", "startedAt", "counts"], {
    "runId": {"type": "string", "format": "uuid"}, "tenantId": {"type": "string", "format": "uuid"},
    "connectionId": {"type": "string", "format": "uuid"}, "asOf": DAY,
    "state": {"type": "string", "enum": ["running", "succeeded", "failed"]},
    "trigger": {"type": "string", "enum": ["api", "sync", "schedule", "cli"]},
    "startedAt": {"type": "string", "format": "date-time"}, "finishedAt": {"type": "string", "format": "date-time"},
    "counts": obj(["new", "updated", "resolved", "reopened", "unchanged"], {
        "new": {"type": "integer"}, "updated": {"type": "integer"}, "resolved": {"type": "integer"}, "reopened": {"type": "integer"},
        "unchanged": {"type": "integer"}}),
    "errorMessage": {"type": "string"}})
DETECTION_REQUEST = {"type": "object", "properties": {
    "connectionId": {"type": "string", "format": "uuid", "description": "One connection; every connection of the tenant when absent"},
    "asOf": {**DAY, "description": "The day to detect as of; each marketplace's today when absent"}}}
CLAIM_SUMMARY = obj(["summary"], {"summary": obj(["byStatusTypeAndCurrency", "deadlinesWithin7Days", "deadlinesWithin30Days", "byMonth"], {
    "byMonth": {"type": "array", "description": "The last 18 months' claims (not dismissed) by the month their clock started, per currency",
                "items": obj(["month", "claims", "amount"], {
        "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}, "claims": {"type": "integer"}, "amount": MONEY})},
    "byStatusTypeAndCurrency": {"type": "array", "items": obj(["status", "type", "claims", "amount"], {
        "status": {"type": "string", "enum": CLAIM_STATUSES}, "type": {"type": "string", "enum": CLAIM_TYPES},
        "claims": {"type": "integer"}, "amount": MONEY})},
    "deadlinesWithin7Days": {"type": "array", "items": obj(["claims", "amount"], {"claims": {"type": "integer"}, "amount": MONEY})},
    "deadlinesWithin30Days": {"type": "array", "items": obj(["claims", "amount"], {"claims": {"type": "integer"}, "amount": MONEY})}})})
SKU_AMOUNT = obj(["sku", "amount"], {
    "sku": {"type": "string"}, "marketplaceId": {"type": "string"}, "connectionId": {"type": "string", "format": "uuid"},
    "amount": MONEY, "source": {"type": "string", "enum": ["seller", "import", "invoice"]}, "updatedAt": {"type": "string", "format": "date-time"}})
SKU_AMOUNTS = obj(["items"], {"items": {"type": "array", "items": SKU_AMOUNT}})
SKU_AMOUNTS_REQUEST = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {
    "type": "object", "required": ["sku", "amount"], "properties": {
        "sku": {"type": "string", "minLength": 1}, "marketplaceId": {"type": "string"},
        "connectionId": {"type": "string", "format": "uuid"}, "amount": MONEY}}}}}
CLAIM_ID = [{"name": "claimId", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}]
CLAIM_LIST_QUERY = [
    {"name": "type", "in": "query", "schema": {"type": "string"}, "description": "Claim types, comma-separated"},
    {"name": "status", "in": "query", "schema": {"type": "string"}, "description": "Statuses, comma-separated"},
    {"name": "connectionId", "in": "query", "schema": {"type": "string", "format": "uuid"}},
    {"name": "marketplaceId", "in": "query", "schema": {"type": "string"}},
    {"name": "clockStartedFrom", "in": "query", "schema": DAY}, {"name": "clockStartedThrough", "in": "query", "schema": DAY},
    {"name": "deadlineBefore", "in": "query", "schema": DAY},
    {"name": "sort", "in": "query", "schema": {"type": "string", "enum": ["deadline", "amount", "clockStartedOn", "type"]}},
    {"name": "order", "in": "query", "schema": {"type": "string", "enum": ["asc", "desc"]}},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
    {"name": "cursor", "in": "query", "schema": {"type": "string"}}]
CSV_UPLOAD = {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}


def claim_paths(prefix, security):
    """The claim routes under `prefix` (claim-detector's internal ones, or main-api's public twins)."""
    paths = {
        f"{prefix}/detections": {"post": op("Detect claims now for a connection or the whole tenant, as of a day", {
            "200": json_response("The finished run", obj(["run"], {"run": DETECTION_RUN})), "400": ERROR, "401": ERROR, "403": ERROR,
            "422": ERROR, "503": ERROR}, security=security, request=DETECTION_REQUEST, tags=["claims"])},
        prefix: {"get": op("Claims, filtered and sorted, a page at a time", {
            "200": json_response("A page of claims", CLAIM_PAGE), "401": ERROR, "422": ERROR, "503": ERROR},
            security=security, parameters=CLAIM_LIST_QUERY, tags=["claims"])},
        f"{prefix}/export": {"get": op("The same claims as CSV, every page (the list's columns, amount as amountMinor and currency)", {
            "200": {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}, "401": ERROR, "422": ERROR,
            "503": ERROR}, security=security, parameters=CLAIM_LIST_QUERY, tags=["claims"])},
        f"{prefix}/summary": {"get": op("Amounts by status, type and currency; deadlines within 7 and 30 days", {
            "200": json_response("Summary", CLAIM_SUMMARY), "401": ERROR, "503": ERROR}, security=security, tags=["claims"])},
        f"{prefix}/approval-model": {"get": op(
            "The approval model claims are scored with: features, weights, Brier score and reliability table (the suite's, not a tenant's)", {
                "200": json_response("Model", APPROVAL_MODEL), "401": ERROR, "503": ERROR}, security=security, tags=["claims"])},
        f"{prefix}/{{claimId}}": {"get": op("One claim with its valuation, explanation and approval estimate", {
            "200": json_response("Claim", CLAIM_RESPONSE), "400": ERROR, "401": ERROR, "404": ERROR, "503": ERROR},
            security=security, parameters=CLAIM_ID, tags=["claims"])},
        f"{prefix}/{{claimId}}/dismiss": {"post": op("Dismiss a claim with a reason; it stays dismissed through later detections", {
            "200": json_response("Claim", CLAIM_RESPONSE), "400": ERROR, "401": ERROR, "403": ERROR, "404": ERROR, "422": ERROR,
            "503": ERROR}, security=security, parameters=CLAIM_ID, tags=["claims"],
            request={"type": "object", "required": ["reason"], "properties": {
                "reason": {"type": "string", "minLength": 1, "maxLength": 1000},
                **({"userId": {"type": "string", "format": "uuid", "description": "The signed-in user main-api acts for"}}
                   if prefix.startswith("/internal") else {})}})},
    }
    if prefix.startswith("/internal"):
        paths[f"{prefix}/approval-model/training"] = {"post": op("Train the approval model now, as the daily job does (services only)", {
            "200": json_response("The new model", APPROVAL_MODEL), "401": ERROR, "403": ERROR, "503": ERROR},
            security=security, tags=["claims"])}
    for kind, what in [("unit-costs", "manufacturing cost per unit"), ("expected-fees", "fulfillment fee per unit the true dimensions give")]:
        paths[f"{prefix}/{kind}"] = {
            "get": op(f"The seller's {what}, by SKU", {"200": json_response("Amounts", SKU_AMOUNTS), "401": ERROR, "503": ERROR},
                      security=security, tags=["claims"]),
            "put": op(f"Set the {what} of SKUs (for a marketplace or connection when named)", {
                "200": json_response("Every amount now set", SKU_AMOUNTS), "400": ERROR, "401": ERROR, "403": ERROR, "422": ERROR,
                "503": ERROR}, security=security, request=SKU_AMOUNTS_REQUEST, tags=["claims"])}
        upload = op(f"Import the {what} from CSV: header sku,amount,currency[,marketplaceId][,connectionId]; amount in major units", {
            "200": json_response("Every amount now set", SKU_AMOUNTS), "401": ERROR, "403": ERROR, "413": ERROR, "422": ERROR, "503": ERROR},
            security=security, tags=["claims"])
        upload["requestBody"] = CSV_UPLOAD
        paths[f"{prefix}/{kind}/import"] = {"post": upload}
    return paths


SERVICE_PATHS["claim-detector"] = claim_paths("/internal/claims", SERVICE_TOKEN)
SERVICE_PATHS["main-api"].update(claim_paths("/api/v1/claims", SESSION))



# refund-engine (issue 13): the case desk on refund-engine; main-api forwards the public twins
# under /api/v1/cases, /api/v1/filing and /api/v1/recoveries.
CASE_STATUSES = ["needs_documents", "ready", "filing", "failed", "filed", "more_information_needed", "approved", "partially_approved",
                 "denied", "paid", "partially_paid", "reversed", "missed", "withdrawn"]
CASE_CHANNELS = ["assisted", "sandbox"]
DATE_TIME = {"type": "string", "format": "date-time"}
UUID_SCHEMA = {"type": "string", "format": "uuid"}
CASE_HISTORY_ENTRY = obj(["at", "toStatus", "actor", "reason"], {
    "at": DATE_TIME, "fromStatus": {"type": "string", "enum": CASE_STATUSES}, "toStatus": {"type": "string", "enum": CASE_STATUSES},
    "actor": {"type": "string", "enum": ["seller", "system", "amazon", "amazon_data"]}, "actorId": {"type": "string"},
    "reason": {"type": "string"}})
CASE = obj(["id", "connectionId", "marketplaceId", "claimId", "claimType", "channel", "status", "units", "amountClaimed", "opensOn",
            "deadline", "references", "subject", "body", "attachments", "documentsReady", "approvalProbability", "attempts", "appealed",
            "recovered", "outstanding", "createdAt", "updatedAt"], {
    "id": UUID_SCHEMA, "connectionId": UUID_SCHEMA, "marketplaceId": {"type": "string"}, "claimId": UUID_SCHEMA,
    "claimType": {"type": "string", "enum": CLAIM_TYPES}, "channel": {"type": "string", "enum": CASE_CHANNELS},
    "status": {"type": "string", "enum": CASE_STATUSES}, "fnsku": {"type": "string"}, "sku": {"type": "string"}, "asin": {"type": "string"},
    "units": {"type": "integer", "minimum": 0}, "amountClaimed": MONEY, "opensOn": DAY,
    "deadline": {**DAY, "description": "The last day the case can be filed"},
    "references": {"type": "object", "additionalProperties": {"type": "string"}, "description": "The ids Amazon asks for, by kind"},
    "subject": {"type": "string"}, "body": {"type": "string", "description": "The text to paste into Seller Central"},
    "attachments": {"type": "array", "items": {"type": "string"}, "description": "The documents the claim type needs"},
    "documentsReady": {"type": "boolean"}, "approvalProbability": {"type": "number", "minimum": 0, "maximum": 1},
    "amazonCaseId": {"type": "string"}, "filedAt": DATE_TIME, "attempts": {"type": "integer"}, "nextAttemptAt": DATE_TIME,
    "lastError": {"type": "string"}, "decisionReason": {"type": "string"}, "decidedAt": DATE_TIME, "approvedAmount": MONEY,
    "appealed": {"type": "boolean"}, "recovered": MONEY, "outstanding": MONEY, "createdAt": DATE_TIME, "updatedAt": DATE_TIME,
    "history": {"type": "array", "items": CASE_HISTORY_ENTRY}})
EVIDENCE_ATTACHMENT = obj(["title", "fileName", "sha256", "contentType"], {
    "title": {"type": "string"}, "fileName": {"type": "string"}, "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
    "contentType": {"type": "string"}})
CASE_RESPONSE = obj(["case"], {"case": CASE, "evidence": {"type": "array", "items": EVIDENCE_ATTACHMENT,
                                                          "description": "The files evidence-engine proved the claim with (one case's detail)"}})
CASE_PAGE = obj(["cases"], {"cases": {"type": "array", "items": CASE},
                           "nextCursor": {"type": "string", "description": "Pass as cursor for the next page; absent on the last"}})
FILING_PASS = obj(["filed", "retrying", "failed", "deferred", "wouldMiss", "heldForBilling"], {
    "filed": {"type": "integer"}, "retrying": {"type": "integer"}, "failed": {"type": "integer"}, "deferred": {"type": "integer"},
    "wouldMiss": {"type": "integer"},
    "heldForBilling": {"type": "integer", "description": "Ready cases not filed while the tenant is past due on Opside's invoices"}})
FILING_SETTINGS = obj(["filing"], {"filing": obj(["continuous", "channel", "dailyLimit"], {
    "continuous": {"type": "boolean"}, "channel": {"type": "string", "enum": CASE_CHANNELS},
    "dailyLimit": {"type": "integer", "minimum": 1, "maximum": 1000}, "updatedAt": DATE_TIME, "updatedBy": {"type": "string"},
    "billingHold": {"type": "string", "description": "Why no new case is filed: the tenant is past due (absent otherwise)"}})})
CASE_METRICS = obj(["metrics"], {"metrics": obj(["byStatus", "filed", "approved", "denied", "pending", "missedDeadlines", "claimed",
                                                  "recovered", "recoveredAutomatically"], {
    "byStatus": {"type": "array", "items": obj(["status", "cases"], {"status": {"type": "string", "enum": CASE_STATUSES},
                                                                      "cases": {"type": "integer"}})},
    "filed": {"type": "integer"}, "approved": {"type": "integer"}, "denied": {"type": "integer"}, "pending": {"type": "integer"},
    "missedDeadlines": {"type": "integer"}, "claimed": {"type": "array", "items": MONEY}, "recovered": {"type": "array", "items": MONEY},
    "recoveredAutomatically": {"type": "array", "items": MONEY}, "medianDaysToDecision": {"type": "number"}})})
RECOVERY = obj(["id", "connectionId", "marketplaceId", "reimbursementId", "sku", "fnsku", "amazonOrderId", "kind", "attribution", "cash",
                "inventoryUnits", "inventoryValue", "amount", "confirmedByFinance", "recordedAt", "source", "replacesEntryIds"], {
    "id": UUID_SCHEMA, "connectionId": UUID_SCHEMA, "marketplaceId": {"type": "string"}, "reimbursementId": {"type": "string"},
    "sku": {"type": "string"}, "fnsku": {"type": "string"}, "amazonOrderId": {"type": "string"}, "approvalDate": DATE_TIME,
    "reason": {"type": "string"}, "amazonCaseId": {"type": "string"}, "kind": {"type": "string", "enum": ["reimbursement", "reversal"]},
    "attribution": {"type": "string", "enum": ["case", "automatic"]}, "caseId": UUID_SCHEMA, "claimType": {"type": "string"},
    "cash": MONEY, "inventoryUnits": {"type": "integer"}, "inventoryValue": MONEY, "amount": MONEY,
    "confirmedByFinance": {"type": "boolean"}, "recordedAt": DATE_TIME,
    "source": {"type": "string", "enum": ["report", "finances"],
               "description": "finances: an adjustment event the reimbursements report does not list yet; its line replaces the entry"},
    "replacesEntryIds": {"type": "array", "items": {"type": "string", "format": "uuid"},
                         "description": "The entries from Finances this report line replaced"}})
RECOVERIES_PAGE = obj(["recoveries"], {"recoveries": {"type": "array", "items": RECOVERY},
                                       "nextOffset": {"type": "integer", "description": "Pass as offset for the next page; absent on the last"}})
RECOVERY_SUMMARY = obj(["summary"], {"summary": obj(["totals", "byCase", "automatic", "byMonth", "byType"], {
    "totals": {"type": "array", "items": MONEY}, "byCase": {"type": "array", "items": MONEY}, "automatic": {"type": "array", "items": MONEY},
    "byMonth": {"type": "array", "items": obj(["month", "attribution", "amount"], {
        "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}, "attribution": {"type": "string", "enum": ["case", "automatic"]},
        "amount": MONEY})},
    "byType": {"type": "array", "items": obj(["claimType", "entries", "amount"], {
        "claimType": {"type": "string"}, "entries": {"type": "integer"}, "amount": MONEY})}})})
CASE_ID = [{"name": "caseId", "in": "path", "required": True, "schema": UUID_SCHEMA}]
CASE_LIST_QUERY = [
    {"name": "status", "in": "query", "schema": {"type": "string"}, "description": "Statuses, comma-separated"},
    {"name": "type", "in": "query", "schema": {"type": "string"}, "description": "Claim types, comma-separated"},
    {"name": "connectionId", "in": "query", "schema": UUID_SCHEMA},
    {"name": "channel", "in": "query", "schema": {"type": "string", "enum": CASE_CHANNELS}},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
    {"name": "cursor", "in": "query", "schema": {"type": "string"}}]


def case_paths(prefix, security):
    """The case desk's routes: `prefix` is /internal on refund-engine, /api/v1 on main-api."""
    internal = prefix.startswith("/internal")

    def request(required, properties):
        properties = dict(properties)
        if internal:
            properties["userId"] = {"type": "string", "format": "uuid", "description": "The signed-in user main-api acts for"}
        return {"type": "object", "required": required, "properties": properties}

    action = lambda summary, body: {"post": op(summary, {
        "200": json_response("The case", CASE_RESPONSE), "400": ERROR, "401": ERROR, "403": ERROR, "404": ERROR, "409": ERROR,
        "422": ERROR, "503": ERROR}, security=security, parameters=CASE_ID, tags=["cases"], request=body)}
    return {
        f"{prefix}/cases": {"get": op("Cases by deadline, filtered, a page at a time", {
            "200": json_response("A page of cases", CASE_PAGE), "401": ERROR, "422": ERROR, "503": ERROR},
            security=security, parameters=CASE_LIST_QUERY, tags=["cases"])},
        f"{prefix}/cases/export": {"get": op("The same cases as CSV, every page", {
            "200": {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}, "401": ERROR, "422": ERROR,
            "503": ERROR}, security=security, parameters=CASE_LIST_QUERY, tags=["cases"])},
        f"{prefix}/cases/metrics": {"get": op("Cases filed, approved, denied, pending; money claimed and recovered; days to decision; missed deadlines", {
            "200": json_response("Metrics", CASE_METRICS), "401": ERROR, "503": ERROR}, security=security, tags=["cases"])},
        f"{prefix}/cases/file": {"post": op("File one claim's case now, or the whole queue's due cases", {
            "200": json_response("What the filing pass did", obj(["pass"], {"pass": FILING_PASS, "case": CASE})), "400": ERROR,
            "401": ERROR, "403": ERROR, "404": ERROR, "409": ERROR, "422": ERROR, "503": ERROR}, security=security, tags=["cases"],
            request=request([], {"claimId": {**UUID_SCHEMA, "description": "File this claim's case; every due case when absent"}}))},
        f"{prefix}/cases/refresh": {"post": op("Now rather than at the next sweep: Amazon's answers read, reminders sent, missed deadlines marked, due cases filed", {
            "200": json_response("What the sweep did", obj(["refresh"], {"refresh": obj(["reminded", "missed", "answered", "filed"], {
                "reminded": {"type": "integer"}, "missed": {"type": "integer"}, "answered": {"type": "integer"}, "filed": {"type": "integer"}})})),
            "401": ERROR, "503": ERROR}, security=security, tags=["cases"])},
        f"{prefix}/cases/retry-failed": {"post": op("Failed cases wait to be filed again", {
            "200": json_response("How many", obj(["retried"], {"retried": {"type": "integer"}})), "401": ERROR, "403": ERROR,
            "503": ERROR}, security=security, tags=["cases"], request=request([], {}))},
        f"{prefix}/cases/{{caseId}}": {"get": op("One case with its text, ids, attachments and history", {
            "200": json_response("The case", CASE_RESPONSE), "400": ERROR, "401": ERROR, "404": ERROR, "503": ERROR},
            security=security, parameters=CASE_ID, tags=["cases"])},
        f"{prefix}/cases/{{caseId}}/filed": action("The seller filed the case in Seller Central: Amazon's case id",
                                                   request(["amazonCaseId"], {"amazonCaseId": {"type": "string", "minLength": 3, "maxLength": 40}})),
        f"{prefix}/cases/{{caseId}}/outcome": action("Amazon's answer to an assisted case, as the seller read it",
                                                     request(["outcome"], {"outcome": {"type": "string", "enum": [
                                                         "approved", "partially_approved", "denied", "more_information_needed"]},
                                                         "reason": {"type": "string"}, "approvedAmount": MONEY})),
        f"{prefix}/cases/{{caseId}}/reply": action("Answer Amazon's question, or appeal a denial (once)",
                                                   request(["body"], {"body": {"type": "string", "minLength": 1, "maxLength": 20000}})),
        f"{prefix}/cases/{{caseId}}/documents-ready": action("The documents a case needed are in place; it can be filed", request([], {})),
        f"{prefix}/filing": {
            "get": op("The filing settings", {"200": json_response("Settings", FILING_SETTINGS), "401": ERROR, "503": ERROR},
                      security=security, tags=["cases"]),
            "put": op("Start or stop continuous filing; the channel; the daily limit per seller", {
                "200": json_response("Settings", FILING_SETTINGS), "400": ERROR, "401": ERROR, "403": ERROR, "422": ERROR, "503": ERROR},
                security=security, tags=["cases"], request=request([], {
                    "continuous": {"type": "boolean"}, "channel": {"type": "string", "enum": CASE_CHANNELS},
                    "dailyLimit": {"type": "integer", "minimum": 1, "maximum": 1000}}))},
        f"{prefix}/recoveries": {"get": op("The recovered-money ledger, newest first", {
            "200": json_response("A page of entries", RECOVERIES_PAGE), "401": ERROR, "422": ERROR, "503": ERROR}, security=security,
            tags=["cases"], parameters=[
                {"name": "caseId", "in": "query", "schema": UUID_SCHEMA},
                {"name": "attribution", "in": "query", "schema": {"type": "string", "enum": ["case", "automatic"]}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
                {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}}])},
        f"{prefix}/recoveries/summary": {"get": op("Money recovered by month, by claim type and in total, per currency", {
            "200": json_response("Summary", RECOVERY_SUMMARY), "401": ERROR, "503": ERROR}, security=security, tags=["cases"])},
    }


SERVICE_PATHS["refund-engine"] = case_paths("/internal", SERVICE_TOKEN)

# Billing (issue 15): payments' commission ledger, invoices and card on file; main-api forwards
# the public twins under /api/v1/billing (the plan rate stays internal: an operator's).
CARD_ON_FILE = obj(["paymentMethodId", "brand", "last4", "expMonth", "expYear"], {
    "paymentMethodId": {"type": "string", "pattern": "^pm_"}, "brand": {"type": "string"}, "last4": {"type": "string"},
    "expMonth": {"type": "integer"}, "expYear": {"type": "integer"}})
BILLING_PROFILE = obj(["tenantId", "companyName", "billingEmail", "currency", "commissionBasisPoints", "collection", "standing"], {
    "tenantId": UUID_SCHEMA, "companyName": {"type": "string"}, "billingEmail": {"type": "string"}, "currency": {"type": "string"},
    "commissionBasisPoints": {"type": "integer", "minimum": 0, "maximum": 10000},
    "collection": {"type": "string", "enum": ["monthly_invoice", "per_reimbursement"]},
    "stripeCustomerId": {"type": "string", "pattern": "^cus_"}, "card": CARD_ON_FILE,
    "standing": {"type": "string", "enum": ["good", "payment_failed", "past_due"]}, "standingReason": {"type": "string"},
    "standingChangedAt": DATE_TIME})
COMMISSION_TOTALS = obj(["recovered", "commission", "settled", "upcoming", "invoiced"], {
    "recovered": MONEY, "commission": MONEY, "settled": MONEY, "upcoming": MONEY, "invoiced": MONEY})
COMMISSION_INVOICE = obj(["invoiceId", "periodStart", "periodEnd", "total", "lineCount", "status", "attemptCount", "createdAt"], {
    "invoiceId": UUID_SCHEMA, "periodStart": DATE_TIME, "periodEnd": DATE_TIME, "total": MONEY, "lineCount": {"type": "integer"},
    "status": {"type": "string", "enum": ["creating", "open", "payment_failed", "requires_action", "paid", "void", "uncollectible"]},
    "stripeInvoiceId": {"type": "string"}, "number": {"type": "string"}, "hostedInvoiceUrl": {"type": "string"},
    "invoicePdf": {"type": "string"}, "attemptCount": {"type": "integer"}, "nextRetryAt": DATE_TIME, "lastFailure": {"type": "string"},
    "createdAt": DATE_TIME, "paidAt": DATE_TIME})
COMMISSION_LINE = obj(["commissionId", "entryId", "reimbursementId", "kind", "recovered", "rateBasisPoints", "commission", "state",
                       "createdAt"], {
    "commissionId": UUID_SCHEMA, "entryId": UUID_SCHEMA, "reimbursementId": {"type": "string"},
    "kind": {"type": "string", "enum": ["reimbursement", "reversal"]}, "caseId": UUID_SCHEMA, "amazonCaseId": {"type": "string"},
    "claimType": {"type": "string"}, "approvalDate": DATE_TIME, "recovered": MONEY, "rateBasisPoints": {"type": "integer"},
    "commission": MONEY, "state": {"type": "string", "enum": ["pending", "invoiced", "charging", "paid", "credited"]},
    "invoiceId": UUID_SCHEMA, "paymentIntentId": {"type": "string"}, "chargeFailure": {"type": "string"}, "createdAt": DATE_TIME})
SELLER_REFERRAL = obj(["partnerName", "since"], {"partnerName": {"type": "string"}, "since": DATE_TIME})
BILLING_PROFILE_RESPONSE = obj(["billing"], {"billing": BILLING_PROFILE})
ONE_INVOICE = obj(["invoice"], {"invoice": COMMISSION_INVOICE})


def billing_paths(prefix, security, internal):
    base = f"{prefix}/billing" if internal else f"{prefix}/billing"
    manager = {"403": ERROR} if not internal else {}
    paths = {
        (f"{prefix}/billing" if internal else f"{prefix}/billing/overview"): {"get": op(
            "The Billing page: the account's plan, card and standing, the commission per currency, recent invoices", {
                "200": json_response("Billing", obj(["billing", "totals", "invoices"], {
                    "billing": BILLING_PROFILE, "totals": {"type": "array", "items": COMMISSION_TOTALS},
                    "invoices": {"type": "array", "items": COMMISSION_INVOICE},
                    "referral": SELLER_REFERRAL})), "401": ERROR, "404": ERROR, "503": ERROR},
            security=security, tags=["billing"])},
        f"{base}/commissions": {"get": op("The commission statement, newest first", {
            "200": json_response("A page of lines", obj(["commissions"], {
                "commissions": {"type": "array", "items": COMMISSION_LINE},
                "nextBefore": {"type": "string", "description": "Pass as before for the next page; absent on the last"}})),
            "401": ERROR, "422": ERROR, "503": ERROR}, security=security, tags=["billing"], parameters=[
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
                {"name": "before", "in": "query", "schema": DATE_TIME}])},
        f"{base}/commissions/export": {"get": op("The whole commission statement as CSV", {
            "200": {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}, "401": ERROR, "503": ERROR},
            security=security, tags=["billing"])},
        f"{base}/card-setup": {"post": op("Start saving a card: a Stripe Checkout page in setup mode", {
            "200": json_response("Where to send the owner", obj(["url", "sessionId"], {
                "url": {"type": "string"}, "sessionId": {"type": "string", "pattern": "^cs_"}})),
            "401": ERROR, **manager, "404": ERROR, "409": ERROR, "422": ERROR, "503": ERROR},
            security=security, tags=["billing"], request=obj(["successUrl", "cancelUrl"], {
                "successUrl": {"type": "string"}, "cancelUrl": {"type": "string"}}))},
        f"{base}/card-setup/complete": {"post": op("Back from Checkout: the card saved, now on file", {
            "200": json_response("The card on file (absent while the session is not complete)", obj([], {"card": CARD_ON_FILE})),
            "400": ERROR, "401": ERROR, **manager, "404": ERROR, "409": ERROR, "503": ERROR},
            security=security, tags=["billing"], request=obj(["sessionId"], {"sessionId": {"type": "string"}}))},
        f"{base}/collection": {"put": op("How the commission is collected: a monthly invoice or a charge per reimbursement", {
            "200": json_response("The account", BILLING_PROFILE_RESPONSE), "401": ERROR, **manager, "404": ERROR, "422": ERROR, "503": ERROR},
            security=security, tags=["billing"], request=obj(["collection"], {
                "collection": {"type": "string", "enum": ["monthly_invoice", "per_reimbursement"]}}))},
        f"{base}/settle": {"post": op("Invoice and collect everything outstanding now, one invoice per currency", {
            "200": json_response("The invoices made", obj(["invoices"], {"invoices": {"type": "array", "items": COMMISSION_INVOICE}})),
            "401": ERROR, **manager, "409": ERROR, "503": ERROR}, security=security, tags=["billing"])},
        f"{base}/invoices/{{invoiceId}}/pay": {"post": op("Try an unpaid invoice again now", {
            "200": json_response("The invoice", ONE_INVOICE), "401": ERROR, **manager, "404": ERROR, "409": ERROR, "503": ERROR},
            security=security, tags=["billing"],
            parameters=[{"name": "invoiceId", "in": "path", "required": True, "schema": UUID_SCHEMA}])},
    }
    paths[f"{base}/referral"] = {"post": op("The seller gives the code of the partner who brought it (once: a seller keeps its partner)", {
        "200": json_response("Who brought the seller", obj(["referral"], {"referral": SELLER_REFERRAL})),
        "401": ERROR, **manager, "404": ERROR, "409": ERROR, "422": ERROR}, security=security, tags=["billing"],
        request=obj(["code"], {"code": {"type": "string"}}))}
    if internal:
        paths[f"{base}/commission-rate"] = {"put": op("The tenant's plan rate (operators; not exposed to sellers)", {
            "200": json_response("The account", BILLING_PROFILE_RESPONSE), "401": ERROR, "404": ERROR, "422": ERROR},
            security=security, tags=["billing"], request=obj(["commissionBasisPoints"], {
                "commissionBasisPoints": {"type": "integer", "minimum": 0, "maximum": 10000}}))}
    return paths


# Partners (issue 15): agencies and referrers, their Connect Express accounts, earnings and payouts.
PARTNER = obj(["partnerId", "tenantId", "kind", "displayName", "contactEmail", "country", "referralCode", "shareBasisPoints",
               "accountStatus", "detailsSubmitted", "payoutsEnabled", "transfersActive", "requirementsDue", "payoutSchedule",
               "payoutMinimumHundredths", "createdAt"], {
    "partnerId": UUID_SCHEMA, "tenantId": UUID_SCHEMA, "kind": {"type": "string", "enum": ["agency", "referrer"]},
    "displayName": {"type": "string"}, "contactEmail": {"type": "string"}, "country": {"type": "string"},
    "referralCode": {"type": "string"}, "shareBasisPoints": {"type": "integer", "minimum": 0, "maximum": 10000},
    "stripeAccountId": {"type": "string", "pattern": "^acct_"},
    "accountStatus": {"type": "string", "enum": ["not_started", "onboarding", "restricted", "active", "disconnected"]},
    "detailsSubmitted": {"type": "boolean"}, "payoutsEnabled": {"type": "boolean"}, "transfersActive": {"type": "boolean"},
    "requirementsDue": {"type": "array", "items": {"type": "string"}}, "disabledReason": {"type": "string"},
    "payoutSchedule": {"type": "string", "enum": ["manual", "weekly", "monthly"]},
    "payoutMinimumHundredths": {"type": "integer", "description": "A scheduled payout waits for this, in hundredths of a major unit"},
    "createdAt": DATE_TIME})
PARTNER_PAYOUT = obj(["payoutId", "amount", "status", "trigger", "createdAt"], {
    "payoutId": UUID_SCHEMA, "stripePayoutId": {"type": "string", "pattern": "^po_"}, "amount": MONEY,
    "status": {"type": "string", "enum": ["requesting", "pending", "in_transit", "paid", "failed", "canceled"]},
    "trigger": {"type": "string", "enum": ["request", "schedule", "stripe"]}, "arrivalDate": DATE_TIME,
    "failureCode": {"type": "string"}, "failureMessage": {"type": "string"}, "createdAt": DATE_TIME})
PARTNER_EARNING = obj(["earningId", "commissionId", "sellerName", "commission", "shareBasisPoints", "earning", "transfer", "settledAt"], {
    "earningId": UUID_SCHEMA, "commissionId": UUID_SCHEMA, "sellerName": {"type": "string"}, "amazonCaseId": {"type": "string"},
    "commission": MONEY, "shareBasisPoints": {"type": "integer"}, "earning": MONEY,
    "transfer": {"type": "string", "enum": ["untransferred", "creating", "waiting_funds", "sent"]}, "settledAt": DATE_TIME})
PARTNER_RESPONSE = obj(["partner"], {"partner": PARTNER})


def partner_paths(prefix, security, internal):
    base = f"{prefix}/partners"
    manager = {"403": ERROR} if not internal else {}
    paths = {
        base: {
            "get": op("The partner programme for this workspace: the partner (absent before joining), its balance at Stripe, earnings, "
                      "the sellers it brought, its payouts", {
                "200": json_response("Partner", obj(["defaultShareBasisPoints", "balance", "totals", "referrals", "payouts"], {
                    "partner": PARTNER, "defaultShareBasisPoints": {"type": "integer"},
                    "balance": {"type": "array", "items": obj(["available", "pending"], {"available": MONEY, "pending": MONEY})},
                    "balanceError": {"type": "string"},
                    "totals": {"type": "array", "items": obj(["earned", "transferred", "awaitingTransfer"], {
                        "earned": MONEY, "transferred": MONEY, "awaitingTransfer": MONEY})},
                    "referrals": {"type": "array", "items": obj(["sellerTenantId", "sellerName", "source", "since", "earned"], {
                        "sellerTenantId": UUID_SCHEMA, "sellerName": {"type": "string"},
                        "source": {"type": "string", "enum": ["sign_up", "seller", "operator"]}, "since": DATE_TIME,
                        "earned": {"type": "array", "items": MONEY}})},
                    "payouts": {"type": "array", "items": PARTNER_PAYOUT}})), "401": ERROR, "503": ERROR},
                security=security, tags=["partners"]),
            "post": op("Join the partner programme (a second call answers the partner made)", {
                "200": json_response("The partner", PARTNER_RESPONSE), "401": ERROR, **manager, "422": ERROR, "503": ERROR},
                security=security, tags=["partners"], request=obj(["kind", "displayName", "contactEmail"], {
                    "kind": {"type": "string", "enum": ["agency", "referrer"]}, "displayName": {"type": "string", "maxLength": 200},
                    "contactEmail": {"type": "string"}, "country": {"type": "string", "minLength": 2, "maxLength": 2}}))},
        f"{base}/onboarding": {"post": op("A Stripe Express onboarding link (single use, minutes long); the account is made on first use", {
            "200": json_response("Where to send the partner", obj(["url"], {"url": {"type": "string"}, "expiresAt": DATE_TIME})),
            "401": ERROR, **manager, "404": ERROR, "409": ERROR, "422": ERROR, "503": ERROR}, security=security, tags=["partners"],
            request=obj(["returnUrl", "refreshUrl"], {"returnUrl": {"type": "string"}, "refreshUrl": {"type": "string"}}))},
        f"{base}/account/refresh": {"post": op("Read the partner's Express account from Stripe now", {
            "200": json_response("The partner", PARTNER_RESPONSE), "401": ERROR, **manager, "404": ERROR, "409": ERROR, "503": ERROR},
            security=security, tags=["partners"])},
        f"{base}/dashboard-link": {"post": op("A link to the partner's Stripe Express dashboard", {
            "200": json_response("The link", obj(["url"], {"url": {"type": "string"}})), "401": ERROR, **manager, "404": ERROR,
            "409": ERROR, "503": ERROR}, security=security, tags=["partners"])},
        f"{base}/payout-schedule": {"put": op("When payouts are made by themselves: when asked, weekly or monthly, above a minimum", {
            "200": json_response("The partner", PARTNER_RESPONSE), "401": ERROR, **manager, "404": ERROR, "422": ERROR, "503": ERROR},
            security=security, tags=["partners"], request=obj(["schedule"], {
                "schedule": {"type": "string", "enum": ["manual", "weekly", "monthly"]},
                "minimum": {"type": "string", "description": "Decimal text in major units, such as 50.00"}}))},
        f"{base}/payouts": {"post": op("Pay out to the partner's bank now (the same requestId again answers the same payout)", {
            "200": json_response("The payout", obj(["payout"], {"payout": PARTNER_PAYOUT})), "400": ERROR, "401": ERROR, **manager,
            "404": ERROR, "409": ERROR, "422": ERROR, "503": ERROR}, security=security, tags=["partners"],
            request=obj(["requestId", "currency"], {"requestId": UUID_SCHEMA, "currency": {"type": "string"},
                                                    "amount": {"type": "string", "description": "Decimal text; absent: all that is available"}}))},
        f"{base}/earnings": {"get": op("The partner's earnings, newest first", {
            "200": json_response("Earnings", obj(["earnings"], {"earnings": {"type": "array", "items": PARTNER_EARNING}})),
            "401": ERROR, "503": ERROR}, security=security, tags=["partners"])},
        f"{base}/earnings/export": {"get": op("All the partner's earnings as CSV", {
            "200": {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}, "401": ERROR, "503": ERROR},
            security=security, tags=["partners"])},
    }
    if internal:
        paths[f"{base}/share"] = {"put": op("The partner's share of its sellers' commission (operators; not exposed to partners)", {
            "200": json_response("The partner", PARTNER_RESPONSE), "401": ERROR, "404": ERROR, "422": ERROR},
            security=security, tags=["partners"], request=obj(["shareBasisPoints"], {
                "shareBasisPoints": {"type": "integer", "minimum": 0, "maximum": 10000}}))}
    return paths


SERVICE_PATHS["payments"].update(partner_paths("/internal", SERVICE_TOKEN, internal=True))
SERVICE_PATHS["main-api"].update(partner_paths("/api/v1", SESSION, internal=False))
SERVICE_PATHS["payments"].update(billing_paths("/internal", SERVICE_TOKEN, internal=True))
SERVICE_PATHS["main-api"].update(billing_paths("/api/v1", SESSION, internal=False))
SERVICE_PATHS["main-api"].update(case_paths("/api/v1", SESSION))

# Evidence and cost (issue 14): evidence-engine (documents, matches, prompts, proof packets), mcde
# (costs from invoices) and cost-docs (files by content hash, rendered PDFs); main-api forwards
# the public twins of evidence-engine's and mcde's routes.
SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
DECIMAL = {"type": "number", "description": "An exact decimal, as the document wrote it"}
DOCUMENT_KINDS = ["pdf", "png", "jpeg", "tiff", "heic", "xlsx", "csv"]
INVOICE_DATE = {"type": "string", "format": "date"}
INVOICE_LINE = obj(["description", "unitPrice", "page", "lineIndex", "lineCount", "sourceText", "fromTable"], {
    "description": {"type": "string"}, "supplierSku": {"type": "string"}, "sku": {"type": "string"}, "asin": {"type": "string"},
    "quantity": {"type": "integer"}, "unit": {"type": "string"}, "unitPrice": DECIMAL, "discountPercent": DECIMAL,
    "discountAmount": DECIMAL, "lineTotal": DECIMAL, "page": {"type": "integer", "description": "The page it is on, from 1"},
    "lineIndex": {"type": "integer", "description": "The text line of the page it starts on, from 0 (where to highlight it)"},
    "lineCount": {"type": "integer", "description": "How many text lines it spans"}, "sourceText": {"type": "string"},
    "fromTable": {"type": "boolean"}})
INVOICE_FIELDS = obj(["documentType", "dateCandidates", "lines", "charges", "pageCount", "numberFormat", "sources", "checks"], {
    "documentType": {"type": "string", "enum": ["invoice", "purchaseOrder", "priceList", "unknown"]},
    "supplier": {"type": "string"}, "number": {"type": "string"}, "purchaseOrderNumber": {"type": "string"}, "date": INVOICE_DATE,
    "dateCandidates": {"type": "array", "items": INVOICE_DATE}, "currency": {"type": "string"},
    "incoterm": obj(["rule"], {"rule": {"type": "string"}, "place": {"type": "string"}}),
    "lines": {"type": "array", "items": INVOICE_LINE},
    "charges": {"type": "array", "items": obj(["kind", "label", "amount", "page", "lineIndex"], {
        "kind": {"type": "string", "enum": ["freight", "duty", "other"]}, "label": {"type": "string"}, "amount": DECIMAL,
        "page": {"type": "integer"}, "lineIndex": {"type": "integer"}})},
    "freight": DECIMAL, "duty": DECIMAL, "otherCharges": DECIMAL, "discount": DECIMAL, "subtotal": DECIMAL, "tax": DECIMAL,
    "total": DECIMAL, "pageCount": {"type": "integer"}, "numberFormat": {"type": "string"},
    "sources": {"type": "array", "items": {"type": "object", "required": ["field", "page", "text"],
                                           "properties": {"field": {"type": "string"}, "page": {"type": "integer"}, "text": {"type": "string"}}}},
    "checks": {"type": "array", "items": {"type": "object", "required": ["code", "severity", "message"], "properties": {
        "code": {"type": "string"}, "severity": {"type": "string", "enum": ["info", "warning", "error"]}, "message": {"type": "string"},
        "page": {"type": "integer"}, "lineIndex": {"type": "integer"}}}}})
CORRECTIONS = obj([], {
    "supplier": {"type": "string"}, "number": {"type": "string"}, "date": {"type": "string", "description": "YYYY-MM-DD"},
    "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
    "lines": {"type": "array", "items": obj(["lineIndex"], {
        "lineIndex": {"type": "integer", "minimum": 0}, "quantity": {"type": "integer", "minimum": 0}, "unitPrice": DECIMAL,
        "sku": {"type": "string"}})}})
EVIDENCE_DOCUMENT = obj(["id", "fileName", "sha256", "kind", "sizeBytes", "status", "uploadedBy", "uploadedAt"], {
    "id": UUID_SCHEMA, "fileName": {"type": "string"}, "sha256": SHA256, "kind": {"type": "string", "enum": DOCUMENT_KINDS},
    "sizeBytes": {"type": "integer", "minimum": 1}, "status": {"type": "string", "enum": ["received", "parsed", "failed"]},
    "failure": obj(["code", "message"], {"code": {"type": "string"}, "message": {"type": "string"}}),
    "method": {"type": "string", "enum": ["pdftotext", "ocr", "xlsx", "csv"]}, "pageCount": {"type": "integer"},
    "ocrConfidence": {"type": "number", "minimum": 0, "maximum": 1}, "fields": INVOICE_FIELDS, "corrections": CORRECTIONS,
    "uploadedBy": {"type": "string"}, "uploadedAt": DATE_TIME, "parsedAt": DATE_TIME})
MATCH_FEATURE = obj(["name", "score", "weight", "contribution", "explanation"], {
    "name": {"type": "string", "enum": ["skuOnLine", "titleSimilarity", "datedBeforeLoss", "quantityCovers", "supplierConsistent",
                                        "currencyOfMarketplace"]},
    "score": {"type": "number", "minimum": 0, "maximum": 1}, "weight": {"type": "number"}, "contribution": {"type": "number"},
    "explanation": {"type": "string"}})
MATCH = obj(["id", "documentId", "claimId", "lineIndexes", "confidence", "features", "status", "updatedAt"], {
    "id": UUID_SCHEMA, "documentId": UUID_SCHEMA, "claimId": UUID_SCHEMA, "sku": {"type": "string"},
    "lineIndexes": {"type": "array", "items": {"type": "integer"}}, "confidence": {"type": "number", "minimum": 0, "maximum": 1},
    "features": {"type": "array", "items": MATCH_FEATURE},
    "status": {"type": "string", "enum": ["ready", "prompted", "confirmed", "rejected", "weak"]}, "announcedAt": DATE_TIME,
    "updatedAt": DATE_TIME})
PROMPT = obj(["id", "matchId", "claimId", "documentId", "question", "status", "createdAt", "expiresAt"], {
    "id": UUID_SCHEMA, "matchId": UUID_SCHEMA, "claimId": UUID_SCHEMA, "documentId": UUID_SCHEMA, "question": {"type": "string"},
    "status": {"type": "string", "enum": ["open", "confirmed", "rejected", "expired"]}, "createdAt": DATE_TIME, "expiresAt": DATE_TIME,
    "remindedAt": DATE_TIME, "answeredAt": DATE_TIME, "answeredBy": {"type": "string"}})
UPLOAD_OUTCOME = obj(["status", "fileName", "sizeBytes"], {
    "status": {"type": "string", "enum": ["accepted", "duplicate", "rejected"]}, "fileName": {"type": "string"},
    "documentId": UUID_SCHEMA, "sizeBytes": {"type": "integer", "minimum": 0}, "kind": {"type": "string", "enum": DOCUMENT_KINDS},
    "code": {"type": "string"}, "message": {"type": "string"}})
DOCUMENT_LIMITS = obj(["maxFileBytes", "maxRequestBytes", "maxFiles", "maxPages", "kinds"], {
    "maxFileBytes": {"type": "integer"}, "maxRequestBytes": {"type": "integer"}, "maxFiles": {"type": "integer"},
    "maxPages": {"type": "integer"}, "kinds": {"type": "array", "items": {"type": "string", "enum": DOCUMENT_KINDS}}})
MANIFEST_FILE = obj(["path", "sha256", "sizeBytes"], {"path": {"type": "string"}, "sha256": SHA256, "sizeBytes": {"type": "integer"}})
PROOF_PACKET = obj(["id", "claimId", "sha256", "sizeBytes", "manifest", "generatedAt"], {
    "id": UUID_SCHEMA, "claimId": UUID_SCHEMA, "caseId": {"type": "string"}, "sha256": SHA256, "sizeBytes": {"type": "integer"},
    "manifest": {"type": "array", "items": MANIFEST_FILE}, "generatedAt": DATE_TIME})
DOCUMENT_ID = [{"name": "documentId", "in": "path", "required": True, "schema": UUID_SCHEMA}]
# The media type of each kind of document read (DocumentKind.contentType): a file is served with its own.
DOCUMENT_MEDIA_TYPES = ["application/pdf", "image/png", "image/jpeg", "image/tiff", "image/heic",
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv"]
BINARY = lambda kind, media_types: {"description": kind, "content": {
    media_type: {"schema": {"type": "string", "format": "binary"}} for media_type in media_types}}


def evidence_paths(prefix, security):
    """evidence-engine's routes: `prefix` is /internal on evidence-engine, /api/v1 on main-api."""
    internal = prefix.startswith("/internal")

    def request(required, properties):
        properties = dict(properties)
        if internal:
            properties["userId"] = {"type": "string", "format": "uuid", "description": "The signed-in user main-api acts for"}
        return {"type": "object", "required": required, "properties": properties, "additionalProperties": False}

    document_response = obj(["document", "matches"], {"document": EVIDENCE_DOCUMENT, "matches": {"type": "array", "items": MATCH}})
    upload = op("Upload documents (several files at once, one part each): each is judged on its own and stored, then read in the background", {
        "202": json_response("What became of each file", obj(["documents", "limits"], {
            "documents": {"type": "array", "items": UPLOAD_OUTCOME}, "limits": DOCUMENT_LIMITS})),
        "400": ERROR, "401": ERROR, "413": ERROR, "415": ERROR, "422": ERROR, "429": ERROR, "503": ERROR}, security=security, tags=["evidence"])
    upload["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "additionalProperties": {"type": "string", "format": "binary"}}}}}
    packet_id = [{"name": "packetId", "in": "path", "required": True, "schema": UUID_SCHEMA}]
    return {
        f"{prefix}/documents": {
            "post": upload,
            "get": op("The documents, newest first", {
                "200": json_response("Documents", obj(["documents"], {"documents": {"type": "array", "items": EVIDENCE_DOCUMENT}})),
                "401": ERROR, "422": ERROR, "503": ERROR}, security=security, tags=["evidence"], parameters=[
                    {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["received", "parsed", "failed"]}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
                    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}}])},
        f"{prefix}/documents/limits": {"get": op("The upload limits and the kinds of file read", {
            "200": json_response("Limits", DOCUMENT_LIMITS), "401": ERROR}, security=security, tags=["evidence"])},
        f"{prefix}/documents/{{documentId}}": {"get": op("One document: what was read, with the seller's corrections, and its matches", {
            "200": json_response("The document", document_response), "401": ERROR, "404": ERROR, "503": ERROR},
            security=security, parameters=DOCUMENT_ID, tags=["evidence"])},
        f"{prefix}/documents/{{documentId}}/file": {"get": op("The file as uploaded", {
            "200": BINARY("The file, with the media type of its kind", DOCUMENT_MEDIA_TYPES), "401": ERROR, "404": ERROR, "503": ERROR},
            security=security, parameters=DOCUMENT_ID, tags=["evidence"])},
        f"{prefix}/documents/{{documentId}}/pages": {"get": op("The text read from each page", {
            "200": json_response("Pages", obj(["pages"], {"pages": {"type": "array", "items": {"type": "string"}}})), "401": ERROR,
            "404": ERROR, "503": ERROR}, security=security, parameters=DOCUMENT_ID, tags=["evidence"])},
        f"{prefix}/documents/{{documentId}}/corrections": {"put": op("Correct what was read; costs and matches are worked out again", {
            "200": json_response("The document", document_response), "400": ERROR, "401": ERROR, "403": ERROR, "404": ERROR, "409": ERROR,
            "422": ERROR, "503": ERROR}, security=security, parameters=DOCUMENT_ID, tags=["evidence"],
            request=request(["corrections"], {"corrections": CORRECTIONS}))},
        f"{prefix}/documents/{{documentId}}/parse": {"post": op("Read the document again (its corrections are kept)", {
            "202": json_response("The document", document_response), "401": ERROR, "403": ERROR, "404": ERROR, "503": ERROR},
            security=security, parameters=DOCUMENT_ID, tags=["evidence"])},
        f"{prefix}/matches": {"get": op("Matches between documents and claims, best first, each with its features", {
            "200": json_response("Matches", obj(["matches"], {"matches": {"type": "array", "items": MATCH}})), "401": ERROR, "422": ERROR,
            "503": ERROR}, security=security, tags=["evidence"], parameters=[{"name": "claimId", "in": "query", "schema": UUID_SCHEMA}])},
        f"{prefix}/prompts": {"get": op("The questions put to the seller (open ones unless asked)", {
            "200": json_response("Prompts", obj(["prompts"], {"prompts": {"type": "array", "items": PROMPT}})), "401": ERROR, "422": ERROR,
            "503": ERROR}, security=security, tags=["evidence"], parameters=[{"name": "status", "in": "query", "schema": {
                "type": "string", "enum": ["open", "confirmed", "rejected", "expired", "all"]}}])},
        f"{prefix}/prompts/{{promptId}}/answer": {"post": op("Answer a prompt: yes files the claim with the document, no rejects the match", {
            "200": json_response("The prompt", obj(["prompt"], {"prompt": PROMPT})), "400": ERROR, "401": ERROR, "403": ERROR, "404": ERROR,
            "409": ERROR, "422": ERROR, "503": ERROR}, security=security, tags=["evidence"],
            parameters=[{"name": "promptId", "in": "path", "required": True, "schema": UUID_SCHEMA}],
            request=request(["answer"], {"answer": {"type": "string", "enum": ["yes", "no"]}}))},
        f"{prefix}/proof-packets": {"get": op("Proof packets of paid claims, newest first", {
            "200": json_response("Packets", obj(["proofPackets"], {"proofPackets": {"type": "array", "items": PROOF_PACKET}})),
            "401": ERROR, "422": ERROR, "503": ERROR}, security=security, tags=["evidence"],
            parameters=[{"name": "claimId", "in": "query", "schema": UUID_SCHEMA}])},
        f"{prefix}/proof-packets/{{packetId}}": {"get": op("One proof packet with its manifest", {
            "200": json_response("The packet", obj(["proofPacket"], {"proofPacket": PROOF_PACKET})), "401": ERROR, "404": ERROR,
            "503": ERROR}, security=security, parameters=packet_id, tags=["evidence"])},
        f"{prefix}/proof-packets/{{packetId}}/download": {"get": op("The packet's ZIP", {
            "200": {"description": "The ZIP", "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}},
            "401": ERROR, "404": ERROR, "503": ERROR}, security=security, parameters=packet_id, tags=["evidence"])},
    }


SERVICE_PATHS["evidence-engine"] = evidence_paths("/internal", SERVICE_TOKEN)
SERVICE_PATHS["main-api"].update(evidence_paths("/api/v1", SESSION))

MAPPED_LINE = obj(["lineIndex", "quantity", "method", "reason", "arithmetic"], {
    "lineIndex": {"type": "integer"}, "sku": {"type": "string"}, "asin": {"type": "string"}, "quantity": {"type": "integer"},
    "confidence": {"type": "number", "minimum": 0, "maximum": 1},
    "method": {"type": "string", "enum": ["exact", "supplierTable", "confirmed", "fuzzyTitle", "unmapped"]}, "reason": {"type": "string"},
    "unitCost": MONEY, "landedUnitCost": MONEY, "arithmetic": {"type": "array", "items": {"type": "string"}}})
SKU_COST = obj(["sku", "manufacturingUnitCost", "landedUnitCost", "effectiveOn"], {
    "sku": {"type": "string"}, "manufacturingUnitCost": MONEY, "landedUnitCost": MONEY, "effectiveOn": DAY})
COSTS_UPDATED = obj(["documentId", "lines", "costs"], {
    "documentId": UUID_SCHEMA, "supplier": {"type": "string"}, "invoiceNumber": {"type": "string"}, "invoiceDate": DAY,
    "currency": {"type": "string"}, "lines": {"type": "array", "items": MAPPED_LINE}, "costs": {"type": "array", "items": SKU_COST}})
COST_ANOMALY = obj(["code", "message"], {"code": {"type": "string"}, "message": {"type": "string"}, "robustZ": {"type": "number"}})
COSTED_LINE = obj(["lineIndex", "description", "quantity", "unitPrice", "lineTotal", "method", "reason", "arithmetic", "anomalies"], {
    "lineIndex": {"type": "integer"}, "description": {"type": "string"}, "supplierSku": {"type": "string"}, "quantity": {"type": "integer"},
    "unitPrice": DECIMAL, "lineTotal": DECIMAL, "sku": {"type": "string"}, "asin": {"type": "string"},
    "confidence": {"type": "number"}, "method": {"type": "string"}, "reason": {"type": "string"}, "manufacturingUnitCost": DECIMAL,
    "landedUnitCost": DECIMAL, "arithmetic": {"type": "array", "items": {"type": "string"}},
    "anomalies": {"type": "array", "items": COST_ANOMALY}})
COSTED_INVOICE = obj(["documentId", "documentType", "fileName", "allocation", "checks", "lines", "costedAt"], {
    "documentId": UUID_SCHEMA, "documentType": {"type": "string"}, "fileName": {"type": "string"}, "supplier": {"type": "string"},
    "supplierKey": {"type": "string"}, "invoiceNumber": {"type": "string"}, "invoiceDate": DAY, "currency": {"type": "string"},
    "incoterm": {"type": "string"}, "freight": DECIMAL, "duty": DECIMAL, "otherCharges": DECIMAL, "total": DECIMAL,
    "allocation": {"type": "string", "enum": ["by_value", "by_quantity"]}, "checks": {"type": "array", "items": {"type": "string"}},
    "lines": {"type": "array", "items": COSTED_LINE}, "costedAt": DATE_TIME})
COST_OBSERVATION = obj(["documentId", "lineIndex", "quantity", "manufacturingUnitCost", "anomalies"], {
    "documentId": UUID_SCHEMA, "lineIndex": {"type": "integer"}, "invoiceDate": DAY, "supplier": {"type": "string"},
    "invoiceNumber": {"type": "string"}, "currency": {"type": "string"}, "quantity": {"type": "integer"}, "manufacturingUnitCost": DECIMAL,
    "landedUnitCost": DECIMAL, "anomalies": {"type": "array", "items": COST_ANOMALY}})
SKU_COSTS = obj(["sku", "observations", "anomalies"], {
    "sku": {"type": "string"}, "currency": {"type": "string"}, "manufacturingUnitCost": DECIMAL, "landedUnitCost": DECIMAL,
    "effectiveOn": DAY, "observations": {"type": "array", "items": COST_OBSERVATION}, "anomalies": {"type": "integer"}})
SUPPLIER_SKUS = obj(["items"], {"items": {"type": "array", "items": obj(["supplier", "supplierSku", "sku"], {
    "supplier": {"type": "string"}, "supplierSku": {"type": "string"}, "sku": {"type": "string"}})}})


def cost_paths(prefix, security):
    """mcde's routes: `prefix` is /internal on mcde, /api/v1 on main-api."""
    internal = prefix.startswith("/internal")
    supplier_request = {"type": "object", "required": ["items"], "additionalProperties": False, "properties": {
        "items": SUPPLIER_SKUS["properties"]["items"],
        **({"userId": {"type": "string", "format": "uuid", "description": "The signed-in user main-api acts for"}} if internal else {})}}
    return {
        f"{prefix}/costs/invoices": {"get": op("Every invoice costed: with lines=true as costs.updated announces them, else the invoices alone", {
            "200": json_response("Invoices", obj(["invoices"], {"invoices": {"type": "array", "items": {"oneOf": [COSTS_UPDATED, COSTED_INVOICE]}}})),
            "401": ERROR, "503": ERROR}, security=security, tags=["costs"],
            parameters=[{"name": "lines", "in": "query", "schema": {"type": "string", "enum": ["true", "false"]}}])},
        f"{prefix}/costs/invoices/{{documentId}}": {"get": op("One invoice's costing", {
            "200": json_response("The invoice", obj(["invoice", "costing"], {"invoice": COSTS_UPDATED, "costing": COSTED_INVOICE})),
            "401": ERROR, "404": ERROR, "503": ERROR}, security=security, parameters=DOCUMENT_ID, tags=["costs"])},
        f"{prefix}/costs/skus": {"get": op("Costs per SKU over time, the cost in force today, anomalies counted", {
            "200": json_response("SKUs", obj(["skus"], {"skus": {"type": "array", "items": SKU_COSTS}})), "401": ERROR, "503": ERROR},
            security=security, tags=["costs"])},
        f"{prefix}/costs/skus/{{sku}}": {"get": op("One SKU's costs over time", {
            "200": json_response("The SKU", obj(["sku"], {"sku": SKU_COSTS})), "401": ERROR, "404": ERROR, "503": ERROR},
            security=security, tags=["costs"], parameters=[{"name": "sku", "in": "path", "required": True,
                                                               "description": "The seller's SKU, percent-encoded (a slash as %2F)",
                                                               "schema": {"type": "string", "minLength": 1, "maxLength": 255}}])},
        f"{prefix}/costs/anomalies": {"get": op("Invoice lines whose cost looks wrong against the SKU's history", {
            "200": json_response("Anomalies", obj(["anomalies"], {"anomalies": {"type": "array", "items": obj(["sku", "observation"], {
                "sku": {"type": "string"}, "observation": COST_OBSERVATION})}})), "401": ERROR, "503": ERROR},
            security=security, tags=["costs"])},
        f"{prefix}/costs/manufacturing-cost-file": {"get": op("The manufacturing costs in force today, as a CSV for Seller Central", {
            "200": {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}, "401": ERROR, "503": ERROR},
            security=security, tags=["costs"])},
        f"{prefix}/costs/supplier-skus": {
            "get": op("The seller's supplier-SKU table", {"200": json_response("The table", SUPPLIER_SKUS), "401": ERROR, "503": ERROR},
                      security=security, tags=["costs"]),
            "put": op("Replace the supplier-SKU table; invoices are mapped again with it", {
                "200": json_response("The table", SUPPLIER_SKUS), "400": ERROR, "401": ERROR, "403": ERROR, "422": ERROR, "503": ERROR},
                security=security, tags=["costs"], request=supplier_request)},
    }


SERVICE_PATHS["mcde"] = cost_paths("/internal", SERVICE_TOKEN)
SERVICE_PATHS["main-api"].update(cost_paths("/api/v1", SESSION))

RENDER_CLAIM = obj(["claimId", "type", "units", "amountClaimed", "lossDate", "marketplaceId"], {
    "claimId": UUID_SCHEMA, "type": {"type": "string"}, "sku": {"type": "string"}, "asin": {"type": "string"}, "fnsku": {"type": "string"},
    "units": {"type": "integer"}, "amountClaimed": MONEY, "lossDate": DAY, "marketplaceId": {"type": "string"}})
COST_DOCUMENT_CONTENT = obj(["claim", "fileName", "fileSHA256", "lines", "mapping", "arithmetic", "preparedAt"], {
    "claim": RENDER_CLAIM, "supplier": {"type": "string"}, "invoiceNumber": {"type": "string"}, "invoiceDate": DAY,
    "currency": {"type": "string"}, "incoterm": {"type": "string"}, "fileName": {"type": "string"}, "fileSHA256": SHA256,
    "lines": {"type": "array", "items": obj(["description", "unitPrice", "matched"], {
        "description": {"type": "string"}, "supplierSku": {"type": "string"}, "quantity": {"type": "integer"},
        "unitPrice": {"type": "string"}, "lineTotal": {"type": "string"}, "matched": {"type": "boolean"}})},
    "mapping": {"type": "string"}, "manufacturingUnitCost": MONEY, "landedUnitCost": MONEY,
    "arithmetic": {"type": "array", "items": {"type": "string"}}, "preparedAt": DATE_TIME})
PROOF_SUMMARY_CONTENT = obj(["claim", "arithmetic", "reimbursementId", "amountPaid", "files", "generatedAt"], {
    "claim": RENDER_CLAIM, "arithmetic": {"type": "array", "items": {"type": "string"}}, "caseId": {"type": "string"},
    "amazonCaseId": {"type": "string"}, "caseStatus": {"type": "string"}, "filedAt": DATE_TIME, "reimbursementId": {"type": "string"},
    "amountPaid": MONEY, "paidOn": DATE_TIME, "files": {"type": "array", "items": MANIFEST_FILE}, "generatedAt": DATE_TIME})
RENDERED_FILE = obj(["sha256", "sizeBytes"], {"sha256": SHA256, "sizeBytes": {"type": "integer"}})
STORED_OBJECT = obj(["sha256", "sizeBytes", "existed"], {"sha256": SHA256, "sizeBytes": {"type": "integer"}, "existed": {"type": "boolean"}})
store_object = op("Store the body under its SHA-256 for the calling tenant (storing the same bytes again is harmless)", {
    "200": json_response("Stored before", STORED_OBJECT), "201": json_response("Stored", STORED_OBJECT), "401": ERROR, "413": ERROR,
    "422": ERROR, "503": ERROR}, security=SERVICE_TOKEN, tags=["documents"], parameters=[{"name": "purpose", "in": "query", "schema": {
        "type": "string", "enum": ["upload", "cost_document", "proof_summary", "proof_packet"]}}])
store_object["requestBody"] = {"required": True, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}
SERVICE_PATHS["cost-docs"] = {
    "/internal/objects": {"put": store_object},
    "/internal/objects/{sha256}": {"get": op("The bytes stored under a hash, for a tenant that stored them", {
        "200": BINARY("The file, with the media type it was stored with: an uploaded document's, a rendered PDF, a proof packet's ZIP",
                      DOCUMENT_MEDIA_TYPES + ["application/zip", "application/octet-stream"]),
        "401": ERROR, "404": ERROR, "500": ERROR, "503": ERROR}, security=SERVICE_TOKEN, tags=["documents"],
        parameters=[{"name": "sha256", "in": "path", "required": True, "schema": SHA256}])},
    "/internal/renders/cost-document": {"post": op("Render a claim's cost document (PDF) and store it", {
        "200": json_response("The PDF's hash", RENDERED_FILE), "400": ERROR, "401": ERROR, "422": ERROR, "503": ERROR},
        security=SERVICE_TOKEN, tags=["documents"], request=COST_DOCUMENT_CONTENT)},
    "/internal/renders/proof-summary": {"post": op("Render a proof packet's summary (PDF) and store it", {
        "200": json_response("The PDF's hash", RENDERED_FILE), "400": ERROR, "401": ERROR, "422": ERROR, "503": ERROR},
        security=SERVICE_TOKEN, tags=["documents"], request=PROOF_SUMMARY_CONTENT)},
}

# test-runner (issue 16): scenario suites against a deployment, their runs and history.
TEST_SUITES = ["health", "contract", "security", "tenant-isolation", "claim-lifecycle"]
TEST_CASE = obj(["suite", "name", "outcome", "durationMilliseconds"], {
    "suite": {"type": "string", "enum": TEST_SUITES}, "name": {"type": "string"},
    "service": {"type": "string", "description": "The service the case is about"},
    "outcome": {"type": "string", "enum": ["passed", "failed", "skipped"]}, "durationMilliseconds": {"type": "integer", "minimum": 0},
    "message": {"type": "string", "description": "Why it failed or was skipped, in words"}})
TEST_RUN = obj(["runId", "suites", "trigger", "requestedBy", "targets", "status", "passed", "failed", "skipped", "requestedAt"], {
    "runId": {"type": "string", "format": "uuid"}, "suites": {"type": "array", "items": {"type": "string", "enum": TEST_SUITES}},
    "trigger": {"type": "string", "enum": ["on_demand", "schedule"]}, "requestedBy": {"type": "string"},
    "targets": {"type": "object", "additionalProperties": {"type": "string"}, "description": "Service name to base URL, as tested"},
    "status": {"type": "string", "enum": ["queued", "running", "passed", "failed", "error"]},
    "passed": {"type": "integer"}, "failed": {"type": "integer"}, "skipped": {"type": "integer"},
    "error": {"type": "string", "description": "Why the run itself could not finish"},
    "requestedAt": {"type": "string", "format": "date-time"}, "startedAt": {"type": "string", "format": "date-time"},
    "finishedAt": {"type": "string", "format": "date-time"},
    "results": {"type": "array", "items": TEST_CASE, "description": "Every case in the order it ran (a run's own answer only)"}})
TEST_RUN_REQUEST = {"type": "object", "required": [], "properties": {
    "suites": {"type": "array", "items": {"type": "string"}, "description": "The suites in order; none or [\"all\"] is every suite"},
    "targets": {"type": "object", "additionalProperties": {"type": "string"}, "description": "Base URLs by service name, instead of the configured ones"},
    "requestedBy": {"type": "string", "maxLength": 200}, "requestKey": {"type": "string", "minLength": 1, "maxLength": 200,
                                                                        "description": "A repeated request with this key gets the same run"}}}
WAIT = [{"name": "waitSeconds", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 3600},
         "description": "Answer when the run finishes (200) or this time has passed (202)"}]
RUN_ID = [{"name": "runId", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}]
RUN_ANSWER = obj(["run"], {"run": TEST_RUN})
SYSTEM_PATHS = {
    "/api/v1/system/test-suites": {"get": op("test-runner's suites (operators only)", {
        "200": json_response("The suites", obj(["suites", "schedule", "targets"], {
            "suites": {"type": "array", "items": obj(["name", "summary", "scheduled"], {
                "name": {"type": "string", "enum": TEST_SUITES}, "summary": {"type": "string"}, "scheduled": {"type": "boolean"}})},
            "schedule": {"type": "string"}, "targets": {"type": "object", "additionalProperties": {"type": "string"}}})),
        "401": ERROR, "403": ERROR, "503": ERROR}, security=SESSION, tags=["system"])},
    "/api/v1/system/test-runs": {
        "get": op("test-runner's runs, newest first (operators only)", {
            "200": json_response("The history", obj(["runs"], {"runs": {"type": "array", "items": TEST_RUN}})),
            "401": ERROR, "403": ERROR, "422": ERROR, "503": ERROR}, security=SESSION, tags=["system"],
            parameters=[{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}}]),
        "post": op("Run test-runner's suites against this deployment (operators only; every suite by default)", {
            "200": json_response("The run this request key made", RUN_ANSWER), "202": json_response("Queued", RUN_ANSWER),
            "400": ERROR, "401": ERROR, "403": ERROR, "422": ERROR, "503": ERROR}, security=SESSION, tags=["system"],
            request={"type": "object", "required": [], "properties": {
                "suites": {"type": "array", "items": {"type": "string"}}, "requestKey": {"type": "string", "minLength": 1, "maxLength": 200}}})},
    "/api/v1/system/test-runs/{runId}": {"get": op("A run with every case's result (operators only)", {
        "200": json_response("The run", RUN_ANSWER), "401": ERROR, "403": ERROR, "404": ERROR, "422": ERROR, "503": ERROR},
        security=SESSION, tags=["system"], parameters=RUN_ID)},
    "/api/v1/system/test-runs/{runId}/junit": {"get": op("A finished run as JUnit XML (operators only)", {
        "200": {"description": "JUnit XML", "content": {"application/xml": {"schema": {"type": "string"}}}},
        "401": ERROR, "403": ERROR, "404": ERROR, "409": ERROR, "422": ERROR, "503": ERROR}, security=SESSION, tags=["system"], parameters=RUN_ID)},
}
SERVICE_PATHS["main-api"].update(SYSTEM_PATHS)
SERVICE_PATHS["test-runner"] = {
    "/internal/test-suites": {"get": op("The suites, what each proves, and which the schedule runs", {
        "200": json_response("The suites", obj(["suites", "schedule", "targets"], {
            "suites": {"type": "array", "items": obj(["name", "summary", "scheduled"], {
                "name": {"type": "string", "enum": TEST_SUITES}, "summary": {"type": "string"}, "scheduled": {"type": "boolean"}})},
            "schedule": {"type": "string", "description": "The scheduled run's cron line (UTC)"},
            "targets": {"type": "object", "additionalProperties": {"type": "string"}}})),
        "401": ERROR}, security=SERVICE_TOKEN, tags=["tests"])},
    "/internal/test-suites/{suite}/runs": {"post": op("Run one suite", {
        "200": json_response("Finished (waited for), or the run this request key made", RUN_ANSWER),
        "202": json_response("Queued", RUN_ANSWER), "400": ERROR, "401": ERROR, "404": ERROR, "422": ERROR},
        security=SERVICE_TOKEN, tags=["tests"], request=TEST_RUN_REQUEST,
        parameters=[{"name": "suite", "in": "path", "required": True, "schema": {"type": "string"}}] + WAIT)},
    "/internal/test-runs": {
        "post": op("Run the suites named (every suite by default)", {
            "200": json_response("Finished (waited for), or the run this request key made", RUN_ANSWER),
            "202": json_response("Queued", RUN_ANSWER), "400": ERROR, "401": ERROR, "422": ERROR},
            security=SERVICE_TOKEN, tags=["tests"], request=TEST_RUN_REQUEST, parameters=WAIT),
        "get": op("The runs, newest first", {
            "200": json_response("The history", obj(["runs"], {"runs": {"type": "array", "items": TEST_RUN}})), "401": ERROR, "422": ERROR},
            security=SERVICE_TOKEN, tags=["tests"], parameters=[
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
                {"name": "suite", "in": "query", "schema": {"type": "string", "enum": TEST_SUITES}}])},
    "/internal/test-runs/{runId}": {"get": op("A run's status and every case's result", {
        "200": json_response("The run", RUN_ANSWER), "401": ERROR, "404": ERROR, "422": ERROR},
        security=SERVICE_TOKEN, tags=["tests"], parameters=RUN_ID)},
    "/internal/test-runs/{runId}/junit": {"get": op("A finished run as JUnit XML", {
        "200": {"description": "JUnit XML", "content": {"application/xml": {"schema": {"type": "string"}}}},
        "401": ERROR, "404": ERROR, "409": ERROR, "422": ERROR}, security=SERVICE_TOKEN, tags=["tests"], parameters=RUN_ID)},
}

# Listings and the catalogue (integrations owns them; main-api forwards the public routes).
LISTING_ISSUE = obj(["severity", "fields", "explanation", "whatToDo", "blocksSale", "amazonCode", "amazonMessage", "attributeNames", "categories"], {
    "severity": {"type": "string", "enum": ["error", "warning", "info"]},
    "fields": {"type": "array", "items": {"type": "string"}, "description": "The fields concerned, as Seller Central names them"},
    "explanation": {"type": "string"}, "whatToDo": {"type": "string"},
    "enforcement": {"type": "string", "description": "What Amazon did about it, in words"},
    "blocksSale": {"type": "boolean", "description": "The listing is off sale because of this issue"},
    "amazonCode": {"type": "string"}, "amazonMessage": {"type": "string"},
    "attributeNames": {"type": "array", "items": {"type": "string"}}, "categories": {"type": "array", "items": {"type": "string"}}})
LISTING = obj(["sku", "productType", "marketplaceId", "statuses", "state", "fulfillment", "issues", "errorCount", "warningCount"], {
    "sku": {"type": "string"}, "asin": {"type": "string"}, "title": {"type": "string"}, "productType": {"type": "string"},
    "condition": {"type": "string"}, "marketplaceId": {"type": "string"},
    "statuses": {"type": "array", "items": {"type": "string", "enum": ["BUYABLE", "DISCOVERABLE"]}},
    "state": {"type": "string", "enum": ["buyable", "suppressed", "not_buyable"]},
    "price": {"$ref": "#/components/schemas/Money"}, "quantity": {"type": "integer", "minimum": 0},
    "fulfillment": {"type": "string", "enum": ["amazon", "merchant"]},
    "createdAt": {"type": "string"}, "updatedAt": {"type": "string"},
    "issues": {"type": "array", "items": LISTING_ISSUE}, "errorCount": {"type": "integer"}, "warningCount": {"type": "integer"}})
LISTING_PAGE = obj(["listings", "totalCount"], {
    "listings": {"type": "array", "items": LISTING}, "totalCount": {"type": "integer"},
    "nextPageToken": {"type": "string"}, "previousPageToken": {"type": "string"}})
LISTING_SUBMISSION = obj(["sku", "status", "submissionId", "issues"], {
    "sku": {"type": "string"}, "status": {"type": "string", "enum": ["accepted", "valid", "invalid"]},
    "submissionId": {"type": "string"}, "issues": {"type": "array", "items": LISTING_ISSUE}})
NEW_LISTING = {"type": "object", "required": ["price"], "properties": {
    "productType": {"type": "string", "description": "Amazon's product type (PRODUCT by default)"},
    "title": {"type": "string", "maxLength": 200, "description": "Required for a new product; leave out to list against asin"},
    "asin": {"type": "string", "pattern": "^[A-Za-z0-9]{10}$"},
    "price": {"type": "string", "description": "Decimal text in the marketplace's currency, e.g. 19.99"},
    "fulfillment": {"type": "string", "enum": ["merchant", "amazon"]}, "quantity": {"type": "integer", "minimum": 0},
    "condition": {"type": "string"}, "imageUrl": {"type": "string", "format": "uri"},
    "preview": {"type": "boolean", "description": "Validate only (Amazon's VALIDATION_PREVIEW): nothing is created"}}}
LISTING_CHANGE = {"type": "object", "properties": {
    "price": {"type": "string", "description": "Decimal text in the marketplace's currency"},
    "quantity": {"type": "integer", "minimum": 0, "description": "Merchant-fulfilled listings only: Amazon counts an FBA listing's units"},
    "preview": {"type": "boolean"}}}
BULK_ITEM = obj(["sku", "outcome", "issues"], {
    "sku": {"type": "string"}, "price": {"$ref": "#/components/schemas/Money"}, "quantity": {"type": "integer"},
    "outcome": {"type": "string", "enum": ["pending", "accepted", "invalid", "failed"]}, "submissionId": {"type": "string"},
    "issues": {"type": "array", "items": LISTING_ISSUE}, "error": {"type": "string"}})
BULK_UPDATE = obj(["bulkUpdateId", "connectionId", "status", "requestedAt", "accepted", "invalid", "failed", "pending"], {
    "bulkUpdateId": {"type": "string", "format": "uuid"}, "connectionId": {"type": "string", "format": "uuid"},
    "status": {"type": "string", "enum": ["queued", "running", "finished"]}, "requestedAt": {"type": "string", "format": "date-time"},
    "startedAt": {"type": "string", "format": "date-time"}, "finishedAt": {"type": "string", "format": "date-time"},
    "accepted": {"type": "integer"}, "invalid": {"type": "integer"}, "failed": {"type": "integer"}, "pending": {"type": "integer"},
    "items": {"type": "array", "items": BULK_ITEM}})
BULK_REQUEST = {"type": "object", "required": ["changes"], "properties": {
    "requestKey": {"type": "string", "maxLength": 200, "description": "The same key again answers the same bulk update"},
    "changes": {"type": "array", "minItems": 1, "maxItems": 500, "items": {"type": "object", "required": ["sku"], "properties": {
        "sku": {"type": "string"}, "price": {"type": "string"}, "quantity": {"type": "integer", "minimum": 0}}}}}}
DIMENSION = obj(["value", "unit"], {"value": {"type": "number"}, "unit": {"type": "string"}})
CATALOG_PRODUCT = obj(["asin", "marketplaceId", "dimensions", "identifiers"], {
    "asin": {"type": "string"}, "marketplaceId": {"type": "string"}, "title": {"type": "string"}, "brand": {"type": "string"},
    "manufacturer": {"type": "string"}, "modelNumber": {"type": "string"},
    "dimensions": {"type": "object", "additionalProperties": DIMENSION},
    "identifiers": {"type": "array", "items": obj(["type", "value"], {"type": {"type": "string"}, "value": {"type": "string"}})},
    "pricing": obj(["buyBoxIsYours", "offerCount"], {
        "yourPrice": {"$ref": "#/components/schemas/Money"}, "yourSku": {"type": "string"},
        "buyBoxPrice": {"$ref": "#/components/schemas/Money"}, "buyBoxIsYours": {"type": "boolean"},
        "lowestPrice": {"$ref": "#/components/schemas/Money"}, "offerCount": {"type": "integer"},
        "listPrice": {"$ref": "#/components/schemas/Money"}}),
    "pricingProblem": {"type": "string"}})
CATALOG_MATCHES = obj(["query", "matches"], {"query": {"type": "string"}, "matches": {"type": "array", "items": obj(["asin"], {
    "asin": {"type": "string"}, "title": {"type": "string"}, "brand": {"type": "string"}})}})
SKU = [{"name": "sku", "in": "path", "required": True, "schema": {"type": "string"}, "description": "Percent-encoded"}]
ASIN = [{"name": "asin", "in": "path", "required": True, "schema": {"type": "string"}}]
BULK_ID = [{"name": "bulkUpdateId", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}]
AMAZON_ERRORS = {"401": ERROR, "404": ERROR, "409": ERROR, "422": ERROR, "502": ERROR, "503": ERROR}
CONNECTION_NOTIFICATIONS = obj(["subscribedTypes", "notifications"], {
    "subscribedTypes": {"type": "array", "items": {"type": "string"},
                        "description": "Amazon's notification types the connection is subscribed to (empty: notifications are off)"},
    "notifications": {"type": "array", "description": "Newest first", "items": obj(
        ["notificationId", "type", "summary", "eventTime", "receivedAt"], {
            "notificationId": {"type": "string"}, "type": {"type": "string", "description": "Amazon's type, e.g. ORDER_CHANGE"},
            "summary": {"type": "string", "description": "The change in a sentence"},
            "eventTime": {"type": "string", "format": "date-time"}, "receivedAt": {"type": "string", "format": "date-time"}})}})


ADS_AUTHORIZATION = obj(["connectionId", "status", "profileId", "marketplaceId", "countryCode", "currencyCode", "timezone",
                         "connectedAt", "updatedAt"], {
    "connectionId": {"type": "string", "format": "uuid"}, "status": {"type": "string", "enum": ["active", "needs_reauthorization"]},
    "reauthorizationReason": {"type": "string"}, "profileId": {"type": "integer"}, "marketplaceId": {"type": "string"},
    "countryCode": {"type": "string"}, "currencyCode": {"type": "string"}, "timezone": {"type": "string"},
    "accountName": {"type": "string"}, "connectedAt": {"type": "string", "format": "date-time"},
    "updatedAt": {"type": "string", "format": "date-time"}})
ADS_CONNECT = {"type": "object", "required": ["refreshToken"], "properties": {
    "refreshToken": {"type": "string", "description": "The Ads API refresh token (Atzr|…) from authorizing Opside's Ads application"},
    "marketplaceId": {"type": "string", "description": "Whose advertising profile to sync; default the connection's first marketplace"},
    "userId": {"type": "string", "format": "uuid"}}}
ADS_ACCESS = obj(["accessToken", "expiresAt", "clientId", "region", "endpoint", "profile"], {
    "accessToken": {"type": "string"}, "expiresAt": {"type": "string", "format": "date-time"}, "clientId": {"type": "string"},
    "region": {"type": "string", "enum": ["na", "eu", "fe"]}, "endpoint": {"type": "string"},
    "profile": obj(["profileId", "countryCode", "currencyCode", "timezone", "accountInfo"], {
        "profileId": {"type": "integer"}, "countryCode": {"type": "string"}, "currencyCode": {"type": "string"}, "timezone": {"type": "string"},
        "accountInfo": obj(["marketplaceStringId", "id", "type"], {
            "marketplaceStringId": {"type": "string"}, "id": {"type": "string"}, "type": {"type": "string"}, "name": {"type": "string"}})})})


def listing_paths(prefix, security, editors):
    """The listings and catalogue routes under `prefix` (integrations' internal ones, or main-api's twins)."""
    base = f"{prefix}/connections/{{connectionId}}"
    return {
        f"{base}/listings": {"get": op("The seller's listings, 20 a page, with Amazon's issues in words", {
            "200": json_response("A page", LISTING_PAGE), **AMAZON_ERRORS}, security=security, tags=["listings"],
            parameters=CONNECTION_ID + [{"name": "pageToken", "in": "query", "schema": {"type": "string"}},
                                        {"name": "sku", "in": "query", "schema": {"type": "string"}, "description": "Only these SKUs (repeat, at most 20)"}])},
        f"{base}/listings/{{sku}}": {
            "get": op("One listing: status, price, quantity and its issues in words", {
                "200": json_response("The listing", LISTING), **AMAZON_ERRORS}, security=security, tags=["listings"], parameters=CONNECTION_ID + SKU),
            "put": op(f"Create (or replace) a listing through Amazon's Listings Items API{editors}; 422 listing_refused names each issue", {
                "200": json_response("Amazon's answer: accepted, or valid/invalid for a preview", LISTING_SUBMISSION), **AMAZON_ERRORS},
                security=security, tags=["listings"], parameters=CONNECTION_ID + SKU, request=NEW_LISTING),
            "patch": op(f"Change a listing's price and/or quantity{editors}; 422 quantity_set_by_amazon for an FBA listing's quantity", {
                "200": json_response("Amazon's answer", LISTING_SUBMISSION), **AMAZON_ERRORS},
                security=security, tags=["listings"], parameters=CONNECTION_ID + SKU, request=LISTING_CHANGE),
            "delete": op(f"Delete a listing{editors}", {"200": json_response("Amazon's answer", LISTING_SUBMISSION), **AMAZON_ERRORS},
                         security=security, tags=["listings"], parameters=CONNECTION_ID + SKU)},
        f"{base}/listing-bulk-updates": {
            "post": op(f"Change up to 500 listings' prices and quantities{editors}: checked whole first (422 names the line), then applied SKU "
                       "by SKU in the background, every answer kept", {
                "202": json_response("Queued", obj(["bulkUpdate"], {"bulkUpdate": BULK_UPDATE})),
                "200": json_response("The bulk update this requestKey already made", obj(["bulkUpdate"], {"bulkUpdate": BULK_UPDATE})),
                **AMAZON_ERRORS}, security=security, tags=["listings"], parameters=CONNECTION_ID, request=BULK_REQUEST),
            "get": op("Recent bulk updates, newest first", {
                "200": json_response("Bulk updates", obj(["bulkUpdates"], {"bulkUpdates": {"type": "array", "items": BULK_UPDATE}})),
                "401": ERROR, "404": ERROR, "422": ERROR}, security=security, tags=["listings"],
                parameters=CONNECTION_ID + [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}])},
        f"{base}/listing-bulk-updates/{{bulkUpdateId}}": {"get": op("One bulk update with every SKU's outcome", {
            "200": json_response("The bulk update", obj(["bulkUpdate"], {"bulkUpdate": BULK_UPDATE})), "400": ERROR, "401": ERROR, "404": ERROR},
            security=security, tags=["listings"], parameters=CONNECTION_ID + BULK_ID)},
        f"{base}/notifications": {"get": op("What Amazon's notifications told this connection lately (orders, units, reports), newest first", {
            "200": json_response("The connection's notifications", CONNECTION_NOTIFICATIONS), "400": ERROR, "401": ERROR, "404": ERROR},
            security=security, tags=["notifications"],
            parameters=CONNECTION_ID + [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}])},
        f"{base}/ads": {
            "post": op(f"Connect the connection's Amazon Ads account{editors}: an Ads refresh token (Opside's Ads application, scope "
                       "advertising::campaign_management), proved with Amazon, and the advertising profile of the marketplace "
                       "(default the connection's first); spend then syncs daily. 422 ads_refresh_token_rejected, ads_no_profile", {
                "201": json_response("Connected", ADS_AUTHORIZATION), "200": json_response("Replaced", ADS_AUTHORIZATION),
                "400": ERROR, "401": ERROR, "403": ERROR, "404": ERROR, "409": ERROR, "422": ERROR, "502": ERROR},
                security=security, tags=["ads"], parameters=CONNECTION_ID, request=ADS_CONNECT),
            "get": op("The connection's Amazon Ads authorization (404 ads_not_connected without one)", {
                "200": json_response("The authorization", ADS_AUTHORIZATION), "401": ERROR, "404": ERROR},
                security=security, tags=["ads"], parameters=CONNECTION_ID),
            "delete": op(f"Disconnect Amazon Ads{editors}; the spend synced stays", {
                "200": json_response("Disconnected", ADS_AUTHORIZATION), "401": ERROR, "403": ERROR, "404": ERROR},
                security=security, tags=["ads"], parameters=CONNECTION_ID)},
        f"{base}/catalog/items": {"get": op("Search Amazon's catalogue: an EAN/UPC/GTIN, or keywords", {
            "200": json_response("Matches", CATALOG_MATCHES), **AMAZON_ERRORS}, security=security, tags=["listings"],
            parameters=CONNECTION_ID + [{"name": "query", "in": "query", "required": True, "schema": {"type": "string"}}])},
        f"{base}/catalog/items/{{asin}}": {"get": op("A product by ASIN with its prices: yours, the Buy Box, the lowest, how many offers", {
            "200": json_response("The product", CATALOG_PRODUCT), **AMAZON_ERRORS}, security=security, tags=["listings"],
            parameters=CONNECTION_ID + ASIN)},
    }


# MARK: The FBA inbound workflow (integrations; main-api's twins)

INBOUND_STEPS = ["creating_plan", "choose_packing", "box_contents", "choose_placement", "shipping_details", "choose_transportation",
                 "ready", "cancelled", "failed"]
INBOUND_ADDRESS = obj(["name", "addressLine1", "city", "postalCode", "countryCode", "phoneNumber"], {
    "name": {"type": "string"}, "addressLine1": {"type": "string"}, "addressLine2": {"type": "string"}, "city": {"type": "string"},
    "companyName": {"type": "string"}, "countryCode": {"type": "string", "pattern": "^[A-Z]{2}$"}, "email": {"type": "string"},
    "phoneNumber": {"type": "string"}, "postalCode": {"type": "string"}, "stateOrProvinceCode": {"type": "string"}})
INBOUND_MONEY = {"$ref": "#/components/schemas/Money"}
INBOUND_SHIPMENT = obj(["shipmentId", "boxIds", "items", "trackingIds"], {
    "shipmentId": {"type": "string"}, "confirmationId": {"type": "string", "description": "Amazon's FBA… id, printed on the labels"},
    "status": {"type": "string"}, "warehouseId": {"type": "string"}, "destination": {"type": "string"},
    "selectedTransportationOptionId": {"type": "string"}, "deliveryWindow": {"type": "string"},
    "boxIds": {"type": "array", "items": {"type": "string"}},
    "items": {"type": "array", "items": obj(["msku", "quantity"], {"msku": {"type": "string"}, "quantity": {"type": "integer"}})},
    "trackingIds": {"type": "array", "items": {"type": "string"}}})
INBOUND_AMAZON = obj(["packingOptions", "placementOptions", "shipments", "transportationOptions"], {
    "planStatus": {"type": "string"},
    "packingOptions": {"type": "array", "items": obj(["packingOptionId", "groups", "boxPackingMethods", "shippingModes"], {
        "packingOptionId": {"type": "string"}, "fee": INBOUND_MONEY, "expiration": {"type": "string"},
        "boxPackingMethods": {"type": "array", "items": {"type": "string"}}, "shippingModes": {"type": "array", "items": {"type": "string"}},
        "groups": {"type": "array", "items": obj(["packingGroupId", "items"], {"packingGroupId": {"type": "string"}, "items": {
            "type": "array", "items": obj(["msku", "fnsku", "quantity", "labelOwner"], {
                "msku": {"type": "string"}, "fnsku": {"type": "string"}, "quantity": {"type": "integer"}, "labelOwner": {"type": "string"},
                "prepType": {"type": "string"}, "prepOwner": {"type": "string"}})}})}})},
    "chosenPackingOptionId": {"type": "string"},
    "placementOptions": {"type": "array", "items": obj(["placementOptionId", "shipmentIds"], {
        "placementOptionId": {"type": "string"}, "shipmentIds": {"type": "array", "items": {"type": "string"}},
        "fee": {**INBOUND_MONEY, "description": "Fees less discounts; zero for Amazon's optimized split"}, "expiration": {"type": "string"}})},
    "chosenPlacementOptionId": {"type": "string"},
    "shipments": {"type": "array", "items": INBOUND_SHIPMENT},
    "transportationOptions": {"type": "array", "items": obj(["transportationOptionId", "shipmentId", "shippingMode", "shippingSolution",
                                                              "needsDeliveryWindow"], {
        "transportationOptionId": {"type": "string"}, "shipmentId": {"type": "string"}, "carrier": {"type": "string"},
        "shippingMode": {"type": "string"}, "shippingSolution": {"type": "string"}, "cost": INBOUND_MONEY,
        "needsDeliveryWindow": {"type": "boolean"}, "voidableUntil": {"type": "string"}})}})
INBOUND_WORKFLOW = obj(["workflowId", "connectionId", "name", "marketplaceId", "step", "stepTitle", "working", "sourceAddress", "items",
                        "problems", "canCancel", "amazon", "createdAt", "updatedAt"], {
    "workflowId": {"type": "string", "format": "uuid"}, "connectionId": {"type": "string", "format": "uuid"}, "name": {"type": "string"},
    "marketplaceId": {"type": "string"}, "inboundPlanId": {"type": "string"},
    "step": {"type": "string", "enum": INBOUND_STEPS}, "stepTitle": {"type": "string"},
    "working": {"type": "boolean", "description": "Amazon is working on the seller's last action"},
    "nextStep": {"type": "string", "enum": INBOUND_STEPS}, "sourceAddress": INBOUND_ADDRESS,
    "items": {"type": "array", "items": obj(["msku", "quantity", "labelOwner", "prepOwner"], {
        "msku": {"type": "string"}, "quantity": {"type": "integer"}, "labelOwner": {"type": "string"}, "prepOwner": {"type": "string"},
        "expiration": {"type": "string"}})},
    "problems": {"type": "array", "items": obj(["code", "message", "whatToDo"], {
        "code": {"type": "string"}, "message": {"type": "string"}, "whatToDo": {"type": "string"}})},
    "voidableUntil": {"type": "string", "format": "date-time"}, "canCancel": {"type": "boolean"}, "amazon": INBOUND_AMAZON,
    "createdAt": {"type": "string", "format": "date-time"}, "updatedAt": {"type": "string", "format": "date-time"},
    "events": {"type": "array", "items": obj(["at", "step", "message"], {
        "at": {"type": "string", "format": "date-time"}, "step": {"type": "string"}, "message": {"type": "string"}})}})
INBOUND_ANSWER = obj(["workflow"], {"workflow": INBOUND_WORKFLOW})
NEW_INBOUND = {"type": "object", "required": ["name", "sourceAddress", "items"], "properties": {
    "requestKey": {"type": "string", "maxLength": 200, "description": "The same key again answers the same workflow"},
    "name": {"type": "string", "minLength": 1, "maxLength": 80}, "sourceAddress": INBOUND_ADDRESS,
    "items": {"type": "array", "minItems": 1, "maxItems": 200, "items": {"type": "object", "required": ["msku", "quantity"], "properties": {
        "msku": {"type": "string"}, "quantity": {"type": "integer", "minimum": 1, "maximum": 10000},
        "labelOwner": {"type": "string", "enum": ["SELLER", "AMAZON", "NONE"]}, "prepOwner": {"type": "string", "enum": ["SELLER", "AMAZON", "NONE"]},
        "expiration": {"type": "string"}}}}}}
INBOUND_DIMENSIONS = obj(["length", "width", "height", "unitOfMeasurement"], {
    "length": {"type": "number"}, "width": {"type": "number"}, "height": {"type": "number"}, "unitOfMeasurement": {"type": "string", "enum": ["IN", "CM"]}})
INBOUND_WEIGHT = obj(["value", "unit"], {"value": {"type": "number"}, "unit": {"type": "string", "enum": ["LB", "KG"]}})
INBOUND_ACTIONS = {
    "packing": ("Confirm one of the packing options Amazon offered", obj(["packingOptionId"], {"packingOptionId": {"type": "string"}})),
    "boxes": ("Give each packing group's boxes (Amazon's shape); 422 names an SKU whose units do not add up", obj(["packageGroupings"], {
        "packageGroupings": {"type": "array", "items": obj(["boxes"], {"packingGroupId": {"type": "string"}, "boxes": {"type": "array", "items": obj(
            ["dimensions", "weight", "quantity", "contentInformationSource"], {
                "contentInformationSource": {"type": "string", "enum": ["BOX_CONTENT_PROVIDED", "MANUAL_PROCESS", "BARCODE_2D"]},
                "dimensions": INBOUND_DIMENSIONS, "weight": INBOUND_WEIGHT, "quantity": {"type": "integer", "minimum": 1},
                "items": {"type": "array", "items": obj(["msku", "quantity", "labelOwner", "prepOwner"], {
                    "msku": {"type": "string"}, "quantity": {"type": "integer"}, "labelOwner": {"type": "string"}, "prepOwner": {"type": "string"}})}})}})}})),
    "placement": ("Confirm a placement option (its fee is the seller's choice)", obj(["placementOptionId"], {"placementOptionId": {"type": "string"}})),
    "shipping-details": ("Give the ready-to-ship day and the carrier's contact: Amazon quotes carriers", obj(["readyToShip", "contact"], {
        "readyToShip": {"type": "string", "description": "YYYY-MM-DD or an ISO 8601 instant, not in the past"},
        "contact": obj(["name", "phoneNumber"], {"name": {"type": "string"}, "phoneNumber": {"type": "string"}, "email": {"type": "string"}}),
        "pallets": {"type": "array", "items": obj(["quantity"], {"quantity": {"type": "integer"}, "stackability": {"type": "string"}})}})),
    "carriers": ("Choose a carrier per shipment; an own carrier gets Amazon's earliest delivery window", obj(["selections"], {
        "selections": {"type": "array", "items": obj(["shipmentId", "transportationOptionId"], {
            "shipmentId": {"type": "string"}, "transportationOptionId": {"type": "string"}})}})),
    "tracking": ("Give a shipment's tracking: a tracking id per box, or freight numbers", obj(["shipmentId"], {
        "shipmentId": {"type": "string"},
        "parcels": {"type": "array", "items": obj(["boxId", "trackingId"], {"boxId": {"type": "string"}, "trackingId": {"type": "string"}})},
        "freight": obj(["freightBillNumber"], {"freightBillNumber": {"type": "string"}, "billOfLadingNumber": {"type": "string"}})})),
}
WORKFLOW_ID = [{"name": "workflowId", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}]


def inbound_paths(prefix, security, editors):
    """The inbound workflow routes under `prefix` (integrations' internal ones, or main-api's twins)."""
    base = f"{prefix}/connections/{{connectionId}}/inbound-workflows"
    paths = {
        base: {
            "post": op(f"Start an FBA inbound plan from SKUs and quantities{editors}: checked whole (422 names the item), then created at "
                       "Amazon in the background", {
                "202": json_response("Started", INBOUND_ANSWER),
                "200": json_response("The workflow this requestKey already started", INBOUND_ANSWER), **AMAZON_ERRORS},
                security=security, tags=["inbound"], parameters=CONNECTION_ID, request=NEW_INBOUND),
            "get": op("Recent inbound workflows, newest first", {
                "200": json_response("Workflows", obj(["workflows"], {"workflows": {"type": "array", "items": INBOUND_WORKFLOW}})),
                "401": ERROR, "404": ERROR, "422": ERROR}, security=security, tags=["inbound"],
                parameters=CONNECTION_ID + [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}])},
        f"{base}/{{workflowId}}": {"get": op("One inbound workflow: its step, what Amazon offers, the problems in words, what happened", {
            "200": json_response("The workflow", INBOUND_ANSWER), "400": ERROR, "401": ERROR, "404": ERROR},
            security=security, tags=["inbound"], parameters=CONNECTION_ID + WORKFLOW_ID)},
        f"{base}/{{workflowId}}/cancel": {"post": op(f"Cancel the plan at Amazon{editors} (free before placement and 24 hours after)", {
            "202": json_response("Cancelling", INBOUND_ANSWER), **AMAZON_ERRORS}, security=security, tags=["inbound"],
            parameters=CONNECTION_ID + WORKFLOW_ID)},
        f"{base}/{{workflowId}}/shipments/{{shipment}}/labels": {"get": op("A shipment's box labels, Amazon's PDF", {
            "200": BINARY("The labels", ["application/pdf"]), **AMAZON_ERRORS}, security=security, tags=["inbound"],
            parameters=CONNECTION_ID + WORKFLOW_ID + [{"name": "shipment", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
                                                      "description": "Amazon's shipmentId"},
                                                    {"name": "pageType", "in": "query", "schema": {"type": "string"}}])},
    }
    for action, (summary, body) in INBOUND_ACTIONS.items():
        paths[f"{base}/{{workflowId}}/{action}"] = {"post": op(f"{summary}{editors}; 409 at another step or while Amazon works", {
            "202": json_response("Accepted: Amazon works on it", INBOUND_ANSWER), **AMAZON_ERRORS}, security=security, tags=["inbound"],
            parameters=CONNECTION_ID + WORKFLOW_ID, request=body)}
    return paths


SERVICE_PATHS["integrations"].update(inbound_paths("/internal/amazon", SERVICE_TOKEN, ""))
SERVICE_PATHS["main-api"].update(inbound_paths("/api/v1/amazon", SESSION, " (owner or admin)"))

SERVICE_PATHS["integrations"].update(listing_paths("/internal/amazon", SERVICE_TOKEN, ""))
SERVICE_PATHS["integrations"]["/internal/amazon/connections/{connectionId}/ads/consent-url"] = {"post": op(
    "Issue Login with Amazon's consent URL for the connection's Ads account, with a single-use state bound to the tenant, user, "
    "connection and browser (main-api only)", {
        "200": json_response("Consent URL", AMAZON_CONSENT), "400": ERROR, "401": ERROR, "403": ERROR, "404": ERROR, "409": ERROR, "422": ERROR},
    security=SERVICE_TOKEN, parameters=CONNECTION_ID, tags=["ads"], request={"type": "object", "required": ["userId", "browserBinding"],
        "properties": {**WITH_USER, "browserBinding": {"type": "string", "minLength": 43, "maxLength": 256}}})}
SERVICE_PATHS["integrations"]["/internal/amazon/ads/oauth/callback"] = {"post": op(
    "Complete the Ads consent: validate the state, exchange the code with the Ads application, connect the profile (main-api only)", {
        "200": json_response("Connected again", ADS_AUTHORIZATION), "201": json_response("Connected", ADS_AUTHORIZATION),
        "400": ERROR, "401": ERROR, "403": ERROR, "404": ERROR, "409": ERROR, "422": ERROR, "502": ERROR},
    security=SERVICE_TOKEN, tags=["ads"], request={"type": "object", "required": ["state", "code"], "properties": {
        "state": {"type": "string"}, "code": {"type": "string"}, "browserBinding": {"type": "string"}, **WITH_USER}})}
SERVICE_PATHS["main-api"]["/api/v1/amazon/connections/{connectionId}/ads/consent-url"] = {"post": op(
    "Start connecting the connection's Amazon Ads account (owner or admin): Login with Amazon's consent URL", {
        "200": {**json_response("Consent URL with a single-use state", AMAZON_CONSENT), "headers": {"Set-Cookie": {
            "description": "opside_amazon_consent_<state prefix>: binds the flow to this browser (HttpOnly, SameSite=Lax, "
                           "Path=/api/v1/amazon/ads/callback, Max-Age until the state expires, Secure over TLS)",
            "schema": {"type": "string"}}}},
        "400": ERROR, "401": ERROR, "403": ERROR, "404": ERROR, "409": ERROR, "422": ERROR, "503": ERROR},
    security=SESSION, parameters=CONNECTION_ID, tags=["ads"])}
SERVICE_PATHS["main-api"]["/api/v1/amazon/ads/callback"] = {"get": op(
    "Login with Amazon's redirect after the Ads consent: validates the state and the browser's consent cookie, exchanges the code "
    "and connects the advertising profile. A browser (Accept: text/html) is sent on to the Advertising page (303)", {
        "303": {"description": "To the Advertising page (browsers)"},
        "200": json_response("Connected again", ADS_AUTHORIZATION), "201": json_response("Connected", ADS_AUTHORIZATION),
        "400": ERROR, "403": ERROR, "404": ERROR, "409": ERROR, "422": ERROR, "502": ERROR, "503": ERROR}, tags=["ads"], parameters=[
        {"name": "state", "in": "query", "required": True, "schema": {"type": "string"}},
        {"name": "code", "in": "query", "required": True, "schema": {"type": "string"}},
        {"name": "scope", "in": "query", "required": False, "schema": {"type": "string"}},
        {"name": "error", "in": "query", "required": False, "schema": {"type": "string"}, "description": "Set when the person declined"}])}
SERVICE_PATHS["integrations"]["/internal/amazon/connections/{connectionId}/ads/access-token"] = {"post": op(
    "Ads token vault: a short-lived Amazon Ads access token for the connection's advertising profile (never the refresh token); "
    "404 ads_not_connected, 409 ads_needs_reauthorization", {
        "200": json_response("Ads access", ADS_ACCESS), "401": ERROR, "404": ERROR, "409": ERROR, "422": ERROR, "500": ERROR, "502": ERROR},
    security=SERVICE_TOKEN, parameters=CONNECTION_ID, tags=["ads"], request={"type": "object", "properties": {
        "rejectedAccessToken": {"type": ["string", "null"], "description": "A token the Ads API refused; the vault drops it"}}})}
SERVICE_PATHS["main-api"].update(listing_paths("/api/v1/amazon", SESSION, " (owner or admin)"))

JOB_STATES = ["available", "scheduled", "running", "retryable", "completed", "cancelled", "discarded"]

COMPONENTS = {
    "securitySchemes": {
        "serviceToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                         "description": "A service token signed by the suite, naming the caller and tenant, valid one minute."},
        "session": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "A session token from login."},
    },
    "schemas": {
        "ErrorEnvelope": obj(["error"], {"error": obj(["code", "message", "details", "requestId"], {
            "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}, "message": {"type": "string", "minLength": 1},
            "details": {"type": "object", "additionalProperties": {"type": "string"}}, "requestId": {"type": "string", "minLength": 1}})}),
        "Health": obj(["status", "service", "checks"], {
            "status": {"type": "string", "enum": ["live", "ready", "unavailable"]}, "service": {"type": "string"},
            "checks": {"type": "object", "additionalProperties": {"type": "string"}}}),
        "Job": obj(["id", "queue", "kind", "state", "attempt", "maxAttempts", "scheduledAt", "createdAt", "errors"], {
            "id": {"type": "integer"}, "queue": {"type": "string"}, "kind": {"type": "string"}, "state": {"type": "string", "enum": JOB_STATES},
            "tenantId": {"type": "string", "format": "uuid"}, "attempt": {"type": "integer"}, "maxAttempts": {"type": "integer"},
            "scheduledAt": {"type": "string", "format": "date-time"}, "createdAt": {"type": "string", "format": "date-time"},
            "finalizedAt": {"type": "string", "format": "date-time"}, "errors": {"type": "string"}}),
        "RowWarning": obj(["lineNumber", "column", "value", "reason"], {
            "lineNumber": {"type": "integer", "minimum": 1}, "column": {"type": "string"}, "value": {"type": "string"},
            "reason": {"type": "string"}}),
        # Every amount in the suite: integer minor units of an ISO 4217 currency (JPY has none).
        "Money": obj(["amountMinor", "currency"], {
            "amountMinor": {"type": "integer"}, "currency": {"type": "string", "pattern": "^[A-Z]{3}$"}}),
        # A running job asked to cancel answers "cancelling": its worker stops it at its next check.
        "JobAction": obj(["id", "state"], {"id": {"type": "integer"}, "state": {"type": "string", "enum": JOB_STATES + ["cancelling"]}}),
        "OpenAPIDocument": {"type": "object", "required": ["openapi", "info", "paths"], "properties": {
            "openapi": {"type": "string", "pattern": "^3\\.1\\."},
            "info": obj(["title", "version"], {"title": {"type": "string"}, "version": {"type": "string"}}),
            "servers": {"type": "array", "items": obj(["url"], {"url": {"type": "string"}, "description": {"type": "string"}})},
            "paths": {"type": "object", "additionalProperties": {"type": "object", "additionalProperties": {"type": "object"}}},
            "components": {"type": "object", "properties": {
                "securitySchemes": {"type": "object", "additionalProperties": {
                    "type": "object", "required": ["type"], "properties": {"type": {"type": "string"}}}},
                "schemas": {"type": "object", "additionalProperties": {"type": "object"}}}}}},
    },
}

for name, folder, port in SERVICES:
    document = {
        "openapi": "3.1.0",
        "info": {"title": f"Opside {name}", "version": "1.0.0"},
        "servers": [{"url": f"http://127.0.0.1:{port}"}],
        "paths": dict(sorted({**PLATFORM_PATHS, **SERVICE_PATHS.get(name, {})}.items())),
        "components": COMPONENTS,
    }
    target = ROOT / "Services" / folder / "Sources" / "openapi.json"
    target.write_text(json.dumps(document, indent=2) + "\n")
    print("wrote", target.relative_to(ROOT))

# Each document must itself be valid OpenAPI 3.1 (pip install openapi-spec-validator==0.9.0).
try:
    from openapi_spec_validator import validate as validate_openapi
except ImportError:
    print("openapi-spec-validator is not installed; the documents were not checked against the OpenAPI 3.1 schema")
else:
    for name, folder, port in SERVICES:
        validate_openapi(json.loads((ROOT / "Services" / folder / "Sources" / "openapi.json").read_text()))
    print("every document is valid OpenAPI 3.1")

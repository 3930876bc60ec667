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


def op(summary, responses, security=None, request=None, parameters=None, tags=None):
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

PLATFORM_PATHS = {
    "/health/live": {"get": op("The process is up", {"200": json_response("Live", {"$ref": "#/components/schemas/Health"})}, tags=["platform"])},
    "/health/ready": {"get": op("Postgres and Redis answer", {
        "200": json_response("Ready", {"$ref": "#/components/schemas/Health"}),
        "503": ERROR}, tags=["platform"])},
    "/metrics": {"get": op("Prometheus metrics", {"200": {"description": "Text exposition format",
                                                           "content": {"text/plain": {"schema": {"type": "string"}}}}}, tags=["platform"])},
    "/openapi.json": {"get": op("This document", {"200": json_response("OpenAPI 3.1 document", {"type": "object"})}, tags=["platform"])},
    "/internal/jobs": {"get": op("List this service's jobs, newest first", {
        "200": json_response("Jobs", {"type": "object", "properties": {"jobs": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}}}}),
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

SESSION_RESPONSE = {"type": "object", "required": ["token", "expiresAt", "userId", "tenantId", "role"], "properties": {
    "token": {"type": "string"}, "expiresAt": {"type": "string", "format": "date-time"},
    "userId": {"type": "string", "format": "uuid"}, "tenantId": {"type": "string", "format": "uuid"}, "role": {"type": "string"}}}

SERVICE_PATHS = {
    "main-api": {
        "/api/v1/auth/signup": {"post": op("Create a tenant and its owner", {
            "201": json_response("Signed up and signed in", SESSION_RESPONSE), "400": ERROR, "409": ERROR, "422": ERROR, "429": ERROR},
            request={"type": "object", "required": ["email", "password", "companyName"], "properties": {
                "email": {"type": "string", "format": "email"}, "password": {"type": "string", "minLength": 12},
                "companyName": {"type": "string", "minLength": 1, "maxLength": 200}, "displayName": {"type": "string"}}}, tags=["auth"])},
        "/api/v1/auth/login": {"post": op("Sign in", {
            "200": json_response("Signed in", SESSION_RESPONSE), "400": ERROR, "401": ERROR, "422": ERROR, "429": ERROR},
            request={"type": "object", "required": ["email", "password"], "properties": {
                "email": {"type": "string"}, "password": {"type": "string"}}}, tags=["auth"])},
        "/api/v1/me": {"get": op("Who is signed in, and in which tenant", {
            "200": json_response("The user and tenant", {"type": "object"}), "401": ERROR}, security=SESSION, tags=["account"])},
        "/api/v1/billing": {"get": op("The tenant's billing account (from payments)", {
            "200": json_response("Billing account", {"type": "object"}), "401": ERROR, "404": ERROR, "503": ERROR},
            security=SESSION, tags=["account"])},
        "/api/v1/realtime": {"get": op("Server-sent events of the tenant's events", {
            "200": {"description": "text/event-stream", "content": {"text/event-stream": {"schema": {"type": "string"}}}}, "401": ERROR},
            security=SESSION, tags=["realtime"])},
    },
    "payments": {
        "/internal/billing-account": {"get": op("The calling tenant's billing account", {
            "200": json_response("Billing account", {"type": "object"}), "401": ERROR, "404": ERROR},
            security=SERVICE_TOKEN, tags=["billing"])},
    },
}

COMPONENTS = {
    "securitySchemes": {
        "serviceToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                         "description": "A service token signed by the suite, naming the caller and tenant, valid one minute."},
        "session": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "A session token from login."},
    },
    "schemas": {
        "ErrorEnvelope": {"type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["code", "message", "details", "requestId"], "properties": {
                "code": {"type": "string"}, "message": {"type": "string"},
                "details": {"type": "object", "additionalProperties": {"type": "string"}}, "requestId": {"type": "string"}}}}},
        "Health": {"type": "object", "properties": {"status": {"type": "string"}, "service": {"type": "string"},
                                                     "checks": {"type": "object", "additionalProperties": {"type": "string"}}}},
        "Job": {"type": "object", "properties": {
            "id": {"type": "integer"}, "queue": {"type": "string"}, "kind": {"type": "string"}, "state": {"type": "string"},
            "tenantID": {"type": "string", "format": "uuid"}, "attempt": {"type": "integer"}, "maxAttempts": {"type": "integer"},
            "scheduledAt": {"type": "string", "format": "date-time"}, "createdAt": {"type": "string", "format": "date-time"},
            "finalizedAt": {"type": "string", "format": "date-time"}, "errors": {"type": "string"}}},
        "JobAction": {"type": "object", "properties": {"id": {"type": "integer"}, "state": {"type": "string"}}},
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

"""Requests the All Orders report from the Amazon sandbox with python-amazon-sp-api, as its users
request it from Amazon.

Run by Tests/AmazonTests/OpenSourceClientTests.swift with the python of the virtualenv deploy/test
installs (Tests/Clients/requirements.txt). Asks for GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL
over `days` days ending at `dataEndTime`, waits for it with getReport, gets the document with
getReportDocument, downloads and decompresses it, and reads it as the tab-separated file it is; then asks
for `tooManyDays` days, which Amazon refuses (FATAL, with the reason in the document). Prints one JSON
object on stdout: the order ids and line count of the first report, the status and document text of
the second.

Usage: python_sp_api_all_orders.py <settings.json>
settings: endpoint, refreshToken, clientId, clientSecret, marketplaceId, dataEndTime (ISO 8601),
days, tooManyDays
"""

import csv
import gzip
import io
import json
import sys
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx

from sandbox_options import sandbox_options  # first: it says what to do when python-amazon-sp-api is missing
from sp_api.api import Reports

REPORT_TYPE = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
ENDPOINT = [""]


def run_report(reports, end, days):
    """Creates the report over `days` days up to `end` and waits until it is done; returns the
    final report and its decompressed document (None when there is none)."""
    start = end - timedelta(days=days)
    created = reports.create_report(
        reportType=REPORT_TYPE,
        dataStartTime=start.isoformat().replace("+00:00", "Z"),
        dataEndTime=end.isoformat().replace("+00:00", "Z"),
    )
    report_id = created.payload["reportId"]
    for _ in range(60):
        report = reports.get_report(report_id).payload
        if report["processingStatus"] in ("DONE", "CANCELLED", "FATAL"):
            break
        # Amazon's time passes on the sandbox's clock, not while we sleep.
        httpx.post(ENDPOINT[0] + "/_sandbox/clock", json={"advanceSeconds": 1}, timeout=30)
    document = None
    if report.get("reportDocumentId"):
        # The library sends `Host: endpoint[8:]`, the host of an https endpoint; against the
        # sandbox's plain http that cuts a character off, and the sandbox signs the document's URL
        # for the host it was sent. The URL is put back on the endpoint's host, then downloaded
        # and decompressed as the library does it.
        payload = reports.get_report_document(report["reportDocumentId"]).payload
        url = urlsplit(payload["url"])._replace(netloc=urlsplit(ENDPOINT[0]).netloc).geturl()
        body = httpx.get(url).content
        document = (gzip.decompress(body) if payload.get("compressionAlgorithm") == "GZIP" else body).decode("utf-8")
    return report, document


def main():
    with open(sys.argv[1]) as handle:
        settings = json.load(handle)

    ENDPOINT[0] = settings["endpoint"]
    reports = Reports(**sandbox_options(settings))
    end = datetime.fromisoformat(settings["dataEndTime"].replace("Z", "+00:00"))

    report, document = run_report(reports, end, settings["days"])
    rows = list(csv.DictReader(io.StringIO(document or ""), delimiter="\t"))
    result = {
        "status": report["processingStatus"],
        "lines": len(rows),
        "orderIds": sorted({row["amazon-order-id"] for row in rows}),
        "prices": {row["amazon-order-id"]: row["item-price"] for row in rows},
    }

    refused, text = run_report(reports, end, settings["tooManyDays"])
    result["tooLong"] = {"status": refused["processingStatus"], "document": text or ""}
    print(json.dumps(result))


if __name__ == "__main__":
    main()

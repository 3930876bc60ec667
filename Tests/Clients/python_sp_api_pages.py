"""Pages the Amazon sandbox with python-amazon-sp-api, the way its users page Amazon.

Run by Tests/AmazonTests/OpenSourceClientTests.swift with the python of the virtualenv deploy/test
installs (Tests/Clients/requirements.txt). Follow-up pages send the token the way the library's
users do: getOrders and listFinancialEvents with `NextToken` alone (the library adds
MarketplaceIds by itself), getReports with `nextToken` alone. Prints one JSON object on stdout;
the Swift test compares it with what our own client reads.

Usage: python_sp_api_pages.py <settings.json>
settings: endpoint, refreshToken, clientId, clientSecret, marketplaceId, createdAfter,
ordersPageSize, postedAfter, financesPageSize, reportType, reportsPageSize
"""

import json
import sys

from sandbox_options import sandbox_options  # first: it says what to do when python-amazon-sp-api is missing
from sp_api.api import Finances, Orders, Reports
from sp_api.base import SellingApiException


def main():
    with open(sys.argv[1]) as handle:
        settings = json.load(handle)

    options = sandbox_options(settings)
    result = {}

    orders = Orders(**options)
    response = orders.get_orders(CreatedAfter=settings["createdAfter"], MaxResultsPerPage=settings["ordersPageSize"])
    ids, pages = [order["AmazonOrderId"] for order in response.payload["Orders"]], 1
    while response.next_token:
        response = orders.get_orders(NextToken=response.next_token)
        ids += [order["AmazonOrderId"] for order in response.payload["Orders"]]
        pages += 1
    result["orders"] = {"ids": ids, "pages": pages}

    finances = Finances(**options)
    response = finances.list_financial_events(PostedAfter=settings["postedAfter"], MaxResultsPerPage=settings["financesPageSize"])
    events, pages = 0, 1
    while True:
        events += sum(len(value) for value in response.payload["FinancialEvents"].values())
        if not response.next_token:
            break
        response = finances.list_financial_events(NextToken=response.next_token)
        pages += 1
    result["financialEvents"] = {"count": events, "pages": pages}

    reports = Reports(**options)
    response = reports.get_reports(reportTypes=[settings["reportType"]], pageSize=settings["reportsPageSize"])
    ids, pages = [report["reportId"] for report in response.payload["reports"]], 1
    while response.next_token:
        response = reports.get_reports(nextToken=response.next_token)
        ids += [report["reportId"] for report in response.payload["reports"]]
        pages += 1
    result["reports"] = {"ids": ids, "pages": pages}

    try:
        orders.get_orders(NextToken="not-a-token")
        result["malformedToken"] = {"status": 200}
    except SellingApiException as error:
        result["malformedToken"] = {"status": error.code, "code": error.amzn_code}

    print(json.dumps(result))


if __name__ == "__main__":
    main()

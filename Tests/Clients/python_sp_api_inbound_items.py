"""Reads inbound shipments and their items by date range from the Amazon sandbox with
python-amazon-sp-api, as its users read them from Amazon.

Run by Tests/AmazonTests/OpenSourceClientTests.swift with the python of the virtualenv deploy/test
installs (Tests/Clients/requirements.txt). The calls are the library's FulfillmentInboundV0
get_shipments and shipment_items (getShipmentItems) with QueryType DATE_RANGE, then NEXT_TOKEN with
the token alone, and the marketplace keys the library adds by itself. Two requests Amazon refuses
are sent too: shipments by date range without a status list, items with one end of the range.

Prints one JSON object on stdout: the shipment ids, the items as "shipment|sku|shipped|received",
the pages read, and the error code and message of each refusal.

Usage: python_sp_api_inbound_items.py <settings.json>
settings: endpoint, refreshToken, clientId, clientSecret, marketplaceId, updatedAfter, updatedBefore
(ISO 8601), statuses (the ShipmentStatusList)
"""

import json
import sys

from sandbox_options import call, sandbox_options  # first: it says what to do when python-amazon-sp-api is missing
from sp_api.api import FulfillmentInboundV0
from sp_api.base import SellingApiException


def every_page(function, **first):
    """The payloads of a v0 query and of every page its NextToken leads to."""
    payload = call(function, **first).payload
    pages = [payload]
    while payload.get("NextToken"):
        payload = call(function, QueryType="NEXT_TOKEN", NextToken=payload["NextToken"]).payload
        pages.append(payload)
    return pages


def refusal(function, **query):
    """The first error of a request Amazon refuses, or None when it was answered."""
    try:
        call(function, **query)
    except SellingApiException as error:
        first = error.error[0] if isinstance(error.error, list) and error.error else {}
        return {"status": error.code, "code": first.get("code"), "message": first.get("message")}
    return None


def main():
    with open(sys.argv[1]) as handle:
        settings = json.load(handle)
    inbound = FulfillmentInboundV0(**sandbox_options(settings))
    after, before = settings["updatedAfter"], settings["updatedBefore"]

    shipment_pages = every_page(
        inbound.get_shipments, QueryType="DATE_RANGE", LastUpdatedAfter=after, LastUpdatedBefore=before,
        ShipmentStatusList=",".join(settings["statuses"]),
    )
    item_pages = every_page(inbound.shipment_items, QueryType="DATE_RANGE", LastUpdatedAfter=after, LastUpdatedBefore=before)
    items = [
        f"{item['ShipmentId']}|{item['SellerSKU']}|{item['QuantityShipped']}|{item.get('QuantityReceived', -1)}"
        for page in item_pages
        for item in page.get("ItemData", [])
    ]
    print(json.dumps({
        "shipmentIds": [shipment["ShipmentId"] for page in shipment_pages for shipment in page.get("ShipmentData", [])],
        "items": items,
        "itemPages": len(item_pages),
        "shipmentsWithoutStatus": refusal(inbound.get_shipments, QueryType="DATE_RANGE", LastUpdatedAfter=after,
                                          LastUpdatedBefore=before),
        "itemsWithOneEnd": refusal(inbound.shipment_items, QueryType="DATE_RANGE", LastUpdatedAfter=after),
    }))


if __name__ == "__main__":
    main()

"""Drives the Amazon sandbox's Fulfillment Inbound workflow with python-amazon-sp-api.

Run by Tests/AmazonTests/OpenSourceClientTests.swift with the python of the virtualenv deploy/test
installs (Tests/Clients/requirements.txt). The calls are the library's own
FulfillmentInboundV20240320 methods (2024-03-20) and FulfillmentInboundV0.get_labels, with the
parameters and marketplace keys the library adds by itself: create a plan, pack (options, groups,
confirm, box contents), place (options with fees, confirm), transport with the seller's own
carrier (delivery window first), labels, tracking, and a second plan cancelled. Every step is an
asynchronous operation polled with get_inbound_operation_status, as the library's users do; the
sandbox's clock is frozen and moved on (its /_sandbox/clock) while an operation runs, where a user
of the library would wait.
list_shipment_items is not called: the pinned library (2.1.35) sends its path with the `{}`
placeholders unfilled.

Prints one JSON object on stdout; the Swift test compares it with what our own client reads.
Amounts are printed as the text of the numbers the library parsed.

Usage: python_sp_api_inbound_workflow.py <settings.json>
settings: endpoint, refreshToken, clientId, clientSecret, marketplaceId, skus (two MSKUs), readyToShip
"""

import json
import sys
from urllib.parse import urlsplit

from sandbox_options import call, sandbox_options  # first: it says what to do when python-amazon-sp-api is missing
import requests
from sp_api.api import FulfillmentInboundV0, FulfillmentInboundV20240320
from sp_api.base import SellingApiException


def main():
    with open(sys.argv[1]) as handle:
        settings = json.load(handle)
    options = sandbox_options(settings)
    inbound = FulfillmentInboundV20240320(**options)
    labels_api = FulfillmentInboundV0(**options)
    operations = []

    def move_clock(body):
        """The sandbox's clock (its admin route): frozen, or moved on."""
        requests.post(settings["endpoint"] + "/_sandbox/clock", json=body, timeout=30).raise_for_status()

    move_clock({"freeze": True})

    def wait(response):
        """Polls the operation a step answered with until it is no longer IN_PROGRESS, moving the
        sandbox's clock on by a second between polls."""
        operation_id = response.payload["operationId"]
        for _ in range(60):
            status = call(inbound.get_inbound_operation_status, operation_id).payload
            if status["operationStatus"] != "IN_PROGRESS":
                operations.append([status["operation"], status["operationStatus"]])
                return status
            move_clock({"advanceSeconds": 1})
        raise RuntimeError(f"operation {operation_id} still IN_PROGRESS after a minute of sandbox time")

    address = {
        "name": "Python warehouse", "addressLine1": "2 Dock Rd", "city": "Reno", "stateOrProvinceCode": "NV",
        "postalCode": "89501", "countryCode": "US", "phoneNumber": "7755550101",
    }
    first, second = settings["skus"]
    items = [
        {"msku": first, "quantity": 6, "labelOwner": "SELLER", "prepOwner": "SELLER"},
        {"msku": second, "quantity": 4, "labelOwner": "SELLER", "prepOwner": "SELLER"},
    ]
    created = call(inbound.create_inbound_plan, destinationMarketplaces=[settings["marketplaceId"]], items=items,
                   sourceAddress=address, name="Python plan")
    plan_id = created.payload["inboundPlanId"]
    wait(created)

    # Packing.
    wait(call(inbound.generate_packing_options, plan_id))
    packing = call(inbound.list_packing_options, plan_id).payload["packingOptions"][0]
    group = packing["packingGroups"][0]
    group_items = call(inbound.list_packing_group_items, plan_id, group).payload["items"]
    wait(call(inbound.confirm_packing_option, plan_id, packing["packingOptionId"]))
    box = {
        "contentInformationSource": "BOX_CONTENT_PROVIDED",
        "dimensions": {"length": 16, "width": 12, "height": 10, "unitOfMeasurement": "IN"},
        "weight": {"unit": "LB", "value": 11.5},
        "quantity": 1,
        "items": [{"msku": item["msku"], "quantity": item["quantity"], "labelOwner": "SELLER", "prepOwner": "SELLER"}
                  for item in group_items],
    }
    wait(call(inbound.set_packing_information, plan_id, packageGroupings=[{"packingGroupId": group, "boxes": [box]}]))
    boxes = call(inbound.list_inbound_plan_boxes, plan_id).payload["boxes"]

    # Placement.
    wait(call(inbound.generate_placement_options, plan_id))
    placement = call(inbound.list_placement_options, plan_id).payload["placementOptions"][0]
    wait(call(inbound.confirm_placement_option, plan_id, placement["placementOptionId"]))
    shipment_id = placement["shipmentIds"][0]
    shipment_boxes = call(inbound.list_shipment_boxes, plan_id, shipment_id).payload["boxes"]

    # Transportation with the seller's own carrier, which needs a delivery window first.
    wait(call(inbound.generate_transportation_options, plan_id, placementOptionId=placement["placementOptionId"],
              shipmentTransportationConfigurations=[{"shipmentId": shipment_id,
                                                     "readyToShipWindow": {"start": settings["readyToShip"]}}]))
    transport = call(inbound.list_transportation_options, plan_id,
                     placementOptionId=placement["placementOptionId"]).payload["transportationOptions"]
    own = next(option for option in transport if option["shippingSolution"] == "USE_YOUR_OWN_CARRIER")
    partnered = next(option for option in transport if option["shippingSolution"] == "AMAZON_PARTNERED_CARRIER")
    wait(call(inbound.generate_delivery_window_options, plan_id, shipment_id))
    windows = call(inbound.list_delivery_window_options, plan_id, shipment_id).payload["deliveryWindowOptions"]
    wait(call(inbound.confirm_delivery_window_options, plan_id, shipment_id, windows[0]["deliveryWindowOptionId"]))
    wait(call(inbound.confirm_transportation_options, plan_id, transportationSelections=[
        {"shipmentId": shipment_id, "transportationOptionId": own["transportationOptionId"]}]))
    shipment = call(inbound.get_shipment, plan_id, shipment_id).payload

    # Labels through v0, downloaded as the library's users do.
    download = call(labels_api.get_labels, shipment["shipmentConfirmationId"], PageType="PackageLabel_Letter_6",
                    LabelType="UNIQUE").payload["DownloadURL"]
    # The library sends a Host header cut from an https endpoint (`endpoint[8:]`), so behind the
    # sandbox's http endpoint the URL's authority loses its first character: fetch the path from
    # the endpoint itself, as the URL would be fetched from Amazon's bucket.
    parts = urlsplit(download)
    pdf = requests.get(settings["endpoint"] + parts.path + "?" + parts.query, timeout=30)

    # Tracking, then the shipment as the library reads it.
    box_ids = [entry["boxId"] for entry in shipment_boxes]
    wait(call(inbound.update_shipment_tracking_details, plan_id, shipment_id, trackingDetails={
        "spdTrackingDetail": {"spdTrackingItems": [{"boxId": box_id, "trackingId": "1ZPY" + box_id[-6:]} for box_id in box_ids]}}))
    shipped = call(inbound.get_shipment, plan_id, shipment_id).payload

    # A second plan, cancelled before placement; a step out of order fails its operation.
    other = call(inbound.create_inbound_plan, destinationMarketplaces=[settings["marketplaceId"]], items=items[:1],
                 sourceAddress=address)
    wait(other)
    early = wait(call(inbound.generate_placement_options, other.payload["inboundPlanId"]))
    wait(call(inbound.cancel_inbound_plan, other.payload["inboundPlanId"]))
    try:
        inbound.cancel_inbound_plan(plan_id)
        refused = None
    except SellingApiException as error:
        refused = {"status": error.code, "code": error.error[0]["code"] if error.error else None}

    print(json.dumps({
        "planId": plan_id,
        "operations": operations,
        "packingGroupItems": sorted([item["msku"], item["quantity"]] for item in group_items),
        "boxes": len(boxes),
        "placement": {
            "id": placement["placementOptionId"],
            "fees": [repr(fee["value"]["amount"]) for fee in placement["fees"]],
            "currency": [fee["value"]["code"] for fee in placement["fees"]],
            "shipmentIds": placement["shipmentIds"],
        },
        "partneredQuote": repr(partnered["quote"]["cost"]["amount"]),
        "ownPreconditions": own["preconditions"],
        "deliveryWindows": len(windows),
        "shipment": {
            "confirmationId": shipment["shipmentConfirmationId"],
            "selectedTransportationOptionId": shipment.get("selectedTransportationOptionId"),
            "selectedDeliveryWindow": shipment.get("selectedDeliveryWindow", {}).get("deliveryWindowOptionId"),
            "statusAfterTracking": shipped.get("status"),
            "tracked": [entry["boxId"] for entry in shipped["trackingDetails"]["spdTrackingDetail"]["spdTrackingItems"]],
        },
        "boxIds": box_ids,
        "labels": {"status": pdf.status_code, "contentType": pdf.headers.get("Content-Type"),
                   "pdf": pdf.content.startswith(b"%PDF-"), "pages": pdf.content.count(b"/Type /Page ")},
        "cancelledPlan": other.payload["inboundPlanId"],
        "outOfOrder": [problem["code"] for problem in early["operationProblems"]],
        "cancelShipped": refused,
    }))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Gives deploy/up's demo seller inbound plans that show what the Inbound pages do.

Through the public API, as a seller's script would, on the demo's FBA listings:
- "Demo spring restock" is taken to the placement step, where the seller sees Amazon's options
  with their fees and chooses;
- "Demo holiday restock" is taken all the way: placement without a fee, its own carrier (Amazon's
  earliest delivery window confirmed), labels to print, one shipment's tracking given.
Each step waits for Amazon's operations as the page does. Idempotent: the request keys find the
plans again, and a second run takes each from wherever it stands.

Usage: demo-inbound.py MAIN_API_URL SESSION_TOKEN
"""
import os
import sys
import time
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from demo_api import call, connection_and_listings  # noqa: E402 (after the path it is found on)

ADDRESS = {"name": "Demo Goods", "addressLine1": "1 Dock Rd", "city": "Reno", "stateOrProvinceCode": "NV",
           "postalCode": "89501", "countryCode": "US", "phoneNumber": "7755550100"}
CONTACT = {"name": "Dock manager", "phoneNumber": "7755550100", "email": "dock@example.com"}


def rested(base, token, path):
    """The workflow once Amazon is done with the last action (two minutes at most)."""
    for _ in range(240):
        status, answer = call(base, token, "GET", path)
        if status != 200:
            sys.exit(f"GET {path} answered HTTP {status}: {answer}")
        workflow = answer["workflow"]
        if not workflow["working"]:
            return workflow
        time.sleep(0.5)
    sys.exit(f"{path} kept working")


def next_action(workflow, stop_at):
    """The action the demo takes at the workflow's step, or None to stop there."""
    step, amazon = workflow["step"], workflow["amazon"]
    if step == stop_at or step in ("failed", "cancelled"):
        return None
    if step == "choose_packing":
        return "packing", {"packingOptionId": amazon["packingOptions"][0]["packingOptionId"]}
    if step == "box_contents":
        option = next(o for o in amazon["packingOptions"] if o["packingOptionId"] == amazon.get("chosenPackingOptionId"))
        groupings = []
        for group in option["groups"]:
            halves = all(item["quantity"] % 2 == 0 for item in group["items"])
            items = [{"msku": item["msku"], "quantity": item["quantity"] // 2 if halves else item["quantity"],
                      "labelOwner": item["labelOwner"], "prepOwner": item.get("prepOwner") or "SELLER"} for item in group["items"]]
            groupings.append({"packingGroupId": group["packingGroupId"], "boxes": [{
                "contentInformationSource": "BOX_CONTENT_PROVIDED", "quantity": 2 if halves else 1, "items": items,
                "dimensions": {"length": 18, "width": 14, "height": 12, "unitOfMeasurement": "IN"},
                "weight": {"value": 22, "unit": "LB"}}]})
        return "boxes", {"packageGroupings": groupings}
    if step == "choose_placement":
        options = amazon["placementOptions"]
        free = [o for o in options if (o.get("fee") or {}).get("amountMinor", 0) == 0]
        return "placement", {"placementOptionId": (free or options)[0]["placementOptionId"]}
    if step == "shipping_details":
        tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).strftime("%Y-%m-%d")
        return "shipping-details", {"readyToShip": tomorrow, "contact": CONTACT}
    if step == "choose_transportation":
        selections = []
        for shipment in amazon["shipments"]:
            options = [o for o in amazon["transportationOptions"] if o["shipmentId"] == shipment["shipmentId"]]
            own = [o for o in options if o["shippingSolution"] == "USE_YOUR_OWN_CARRIER"] or options
            selections.append({"shipmentId": shipment["shipmentId"], "transportationOptionId": own[0]["transportationOptionId"]})
        return "carriers", {"selections": selections}
    if step == "ready":
        untracked = [s for s in amazon["shipments"] if not s["trackingIds"] and s["boxIds"]]
        if len(untracked) < len(amazon["shipments"]) or not untracked:
            return None
        shipment = untracked[0]
        parcels = [{"boxId": box, "trackingId": f"1ZDEMO{index:010d}"} for index, box in enumerate(shipment["boxIds"])]
        return "tracking", {"shipmentId": shipment["shipmentId"], "parcels": parcels}
    return None


def drive(base, token, prefix, key, name, items, stop_at):
    status, answer = call(base, token, "POST", prefix + "/inbound-workflows",
                          {"requestKey": key, "name": name, "sourceAddress": ADDRESS, "items": items})
    if status not in (200, 202):
        sys.exit(f"{name}: HTTP {status} {answer}")
    path = f"{prefix}/inbound-workflows/{answer['workflow']['workflowId']}"
    while True:
        workflow = rested(base, token, path)
        action = next_action(workflow, stop_at)
        if action is None:
            problems = "; ".join(p["whatToDo"] for p in workflow["problems"])
            print(f"{name}: at {workflow['step']}{' (' + problems + ')' if problems else ''}")
            return
        status, answer = call(base, token, "POST", f"{path}/{action[0]}", action[1])
        if status != 202:
            sys.exit(f"{name}: {action[0]} answered HTTP {status}: {answer}")


def main():
    base, token = sys.argv[1], sys.argv[2]
    prefix, page = connection_and_listings(base, token)
    skus = [listing["sku"] for listing in page.get("listings", []) if listing["fulfillment"] == "amazon" and listing["errorCount"] == 0]
    if len(skus) < 4:
        sys.exit("fewer than four FBA listings to send")
    drive(base, token, prefix, "demo-inbound-spring", "Demo spring restock",
          [{"msku": skus[0], "quantity": 24}, {"msku": skus[1], "quantity": 12}], stop_at="choose_placement")
    drive(base, token, prefix, "demo-inbound-holiday", "Demo holiday restock",
          [{"msku": skus[2], "quantity": 36}, {"msku": skus[3], "quantity": 18}], stop_at="done")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Gives deploy/up's demo seller listings that show what the Listings pages do.

The demo's 40 generated products are its FBA listings already (a few carry a warning Amazon
planted). This adds, through the public API as a seller's script would: a merchant-fulfilled
listing without an image (Amazon accepts it with a warning, explained on its page), and a price
typed five times too high on one FBA listing, which Amazon takes off sale (an error, explained
with what to do). Idempotent: a second run finds both and changes nothing.

Usage: demo-listings.py MAIN_API_URL SESSION_TOKEN
"""
import os
import sys
import urllib.parse
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from demo_api import call, connection_and_listings  # noqa: E402 (after the path it is found on)


def main():
    base, token = sys.argv[1], sys.argv[2]
    prefix, page = connection_and_listings(base, token)

    status, mug = call(base, token, "GET", prefix + "/listings/DEMO-MUG-1")
    if status == 404:
        status, answer = call(base, token, "PUT", prefix + "/listings/DEMO-MUG-1",
                              {"title": "Demo enamel camping mug", "price": "18.50", "quantity": 24})
        print(f"merchant listing DEMO-MUG-1: HTTP {status} {answer.get('status', answer)}")

    listings = page.get("listings", [])
    if any(listing["state"] == "suppressed" for listing in listings):
        print("a listing is already off sale for its price")
        return
    fba = next((l for l in listings if l["fulfillment"] == "amazon" and l.get("price") and l["errorCount"] == 0), None)
    if fba is None:
        sys.exit("no FBA listing with a price to mistype")
    minor = fba["price"]["amountMinor"] * 5
    typo = f"{Decimal(minor) / 100:.2f}"
    status, answer = call(base, token, "PATCH", prefix + "/listings/" + urllib.parse.quote(fba["sku"], safe=""), {"price": typo})
    print(f"{fba['sku']} priced {typo} {fba['price']['currency']} (five times its price): HTTP {status} {answer.get('status', answer)}")


if __name__ == "__main__":
    main()

"""Drives the Amazon sandbox's Listings Items and Product Pricing with python-amazon-sp-api.

Run by Tests/AmazonTests/OpenSourceClientTests.swift with the python of the virtualenv deploy/test
installs (Tests/Clients/requirements.txt). The calls are the library's own, with the parameters it
sends by itself: Products (v0) adds MarketplaceId and its other spellings to every query and sends
Asins/Skus comma-separated; ListingsItems (2021-08-01) puts with `marketplaceIds` in the query
(and the library's marketplace keys added to the JSON body). Prints one JSON object on stdout; the
Swift test compares it with what our own client reads. Amounts are printed as the text of the
numbers the library parsed. Pricing's usage plans are tight (0.5/s, burst 1): every call goes
through the library's own `throttle_retry`, as its users' code does.

Usage: python_sp_api_listings_pricing.py <settings.json>
settings: endpoint, refreshToken, clientId, clientSecret, marketplaceId, sellerId, asin, sku,
newSku, undercut (decimal text), asins (21 ASINs)
"""

import json
import sys

from sandbox_options import call, sandbox_options  # first: it says what to do when python-amazon-sp-api is missing
from sp_api.api import ListingsItems, Products
from sp_api.base import SellingApiException


def amount(money):
    return None if money is None else repr(money["Amount"])


def offers_summary(payload):
    return {
        "total": payload["Summary"]["TotalOfferCount"],
        "sellers": [offer.get("SellerId") for offer in payload["Offers"]],
        "mine": [offer.get("MyOffer", False) for offer in payload["Offers"]],
        "buyBoxSeller": (payload["Summary"].get("BuyBoxPrices") or [{}])[0].get("sellerId"),
        "buyBoxPrice": amount((payload["Summary"].get("BuyBoxPrices") or [{}])[0].get("ListingPrice")),
    }


def main():
    with open(sys.argv[1]) as handle:
        settings = json.load(handle)
    marketplace = settings["marketplaceId"]
    seller = settings["sellerId"]

    options = sandbox_options(settings)
    result = {}
    products = Products(**options)
    listings = ListingsItems(**options)

    # The seller's own offers, by ASIN (with an ASIN Amazon does not know) and by SKU.
    pricing = call(products.get_product_pricing_for_asins, [settings["asin"], "B0NOTHERE0"]).payload
    result["pricingByAsin"] = [
        {
            "status": entry["status"],
            "asin": entry.get("ASIN"),
            "prices": [amount(offer["BuyingPrice"]["ListingPrice"]) for offer in entry.get("Product", {}).get("Offers", [])],
        }
        for entry in pricing
    ]
    by_sku = call(products.get_product_pricing_for_skus, [settings["sku"]]).payload
    result["pricingBySku"] = [
        {"status": entry["status"], "prices": [amount(offer["RegularPrice"]) for offer in entry["Product"]["Offers"]]}
        for entry in by_sku
    ]
    result["itemOffers"] = offers_summary(call(products.get_item_offers, settings["asin"], "New").payload)

    # Undercutting through the Listings API moves the Buy Box.
    patch = call(
        listings.patch_listings_item,
        seller,
        settings["sku"],
        marketplaceIds=[marketplace],
        body={
            "productType": "PRODUCT",
            "patches": [
                {
                    "op": "replace",
                    "path": "/attributes/purchasable_offer",
                    "value": [
                        {
                            "marketplace_id": marketplace,
                            "currency": "USD",
                            "our_price": [{"schedule": [{"value_with_tax": float(settings["undercut"])}]}],
                        }
                    ],
                }
            ],
        },
    )
    result["patch"] = patch.payload["status"]
    result["itemOffersAfter"] = offers_summary(call(products.get_item_offers, settings["asin"], "New").payload)
    result["listingOffersAfter"] = offers_summary(call(products.get_listings_offer, settings["sku"], "New").payload)
    competitive = call(products.get_competitive_pricing_for_asins, [settings["asin"]]).payload[0]
    buy_box = competitive["Product"]["CompetitivePricing"]["CompetitivePrices"][0]
    result["competitive"] = {"belongsToRequester": buy_box["belongsToRequester"], "price": amount(buy_box["Price"]["ListingPrice"])}

    # A listing put, refused without a title, accepted with one (and no image: a warning).
    attributes = {
        "condition_type": [{"value": "new_new", "marketplace_id": marketplace}],
        "purchasable_offer": [
            {"marketplace_id": marketplace, "currency": "USD", "our_price": [{"schedule": [{"value_with_tax": 19.99}]}]}
        ],
        "fulfillment_availability": [{"fulfillment_channel_code": "DEFAULT", "quantity": 7}],
        "bullet_point": [{"value": "Sturdy", "marketplace_id": marketplace}],
    }
    refused = call(
        listings.put_listings_item,
        seller,
        settings["newSku"],
        marketplaceIds=[marketplace],
        body={"productType": "PRODUCT", "attributes": attributes},
    ).payload
    result["invalidPut"] = {"status": refused["status"], "codes": [issue["code"] for issue in refused["issues"]]}
    attributes["item_name"] = [{"value": "Python listing", "marketplace_id": marketplace}]
    accepted = call(
        listings.put_listings_item,
        seller,
        settings["newSku"],
        marketplaceIds=[marketplace],
        issueLocale="en_US",
        body={"productType": "PRODUCT", "attributes": attributes},
    ).payload
    result["put"] = {"status": accepted["status"], "categories": [issue["categories"] for issue in accepted["issues"]]}
    item = call(
        listings.get_listings_item,
        seller,
        settings["newSku"],
        marketplaceIds=[marketplace],
        includedData=["summaries", "issues", "offers", "fulfillmentAvailability"],
    ).payload
    result["listing"] = {
        "itemName": item["summaries"][0].get("itemName"),
        "status": item["summaries"][0]["status"],
        "issueCategories": [issue["categories"] for issue in item["issues"]],
        "price": item["offers"][0]["price"]["amount"],
        "quantity": item["fulfillmentAvailability"][0].get("quantity"),
    }

    # 21 ASINs are one too many.
    try:
        call(products.get_product_pricing_for_asins, settings["asins"])
        result["tooManyAsins"] = {"status": 200}
    except SellingApiException as error:
        result["tooManyAsins"] = {"status": error.code, "code": error.amzn_code}

    print(json.dumps(result))


if __name__ == "__main__":
    main()

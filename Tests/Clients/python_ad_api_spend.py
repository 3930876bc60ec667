"""Reads a seller's Sponsored Products spend from the Amazon sandbox's Ads API with python-amazon-ad-api.

Run by Tests/AmazonTests/AmazonAdsTests.swift with the python of the virtualenv deploy/test installs
(Tests/Clients/requirements.txt). The calls are the library's own: Profiles.list_profiles, then
Reports.post_report / get_report / download_report(format="data") of reporting v3, as its users
write them. The library has no setting for the API's host or the token URL: the access token is
passed in (`access_token=`, which the library supports) and each client's `endpoint` is pointed at
the sandbox. Prints one JSON object on stdout.

Usage: python_ad_api_spend.py <settings.json>
settings: endpoint, clientId, clientSecret, refreshToken, accessToken, startDate, endDate,
processingSeconds (how long the sandbox takes over a report; its clock stands still until this script moves it)
"""

import json
import sys

try:
    import requests
    from ad_api.api import Profiles, Reports
    from ad_api.base import AdvertisingApiException
except ImportError as error:
    sys.stderr.write(
        f"python-amazon-ad-api is not installed for {sys.executable} ({error}). Run the tests through "
        "deploy/test, which installs Tests/Clients/requirements.txt into .run/clients-venv.\n"
    )
    sys.exit(3)


def client(kind, settings, profile_id=None):
    credentials = {
        "client_id": settings["clientId"],
        "client_secret": settings["clientSecret"],
        "refresh_token": settings["refreshToken"],
    }
    if profile_id is not None:
        credentials["profile_id"] = str(profile_id)
    # Listing profiles comes before any profile id: the library checks for one only when told to.
    api = kind(credentials=credentials, access_token=settings["accessToken"], verify_additional_credentials=profile_id is not None)
    api.endpoint = settings["endpoint"]
    return api


def main():
    with open(sys.argv[1], encoding="utf-8") as file:
        settings = json.load(file)
    result = {}
    profiles = client(Profiles, settings).list_profiles().payload
    result["profiles"] = [{"profileId": p["profileId"], "currencyCode": p["currencyCode"], "seller": p["accountInfo"]["id"]} for p in profiles]
    reports = client(Reports, settings, profiles[0]["profileId"])
    body = {
        "name": "python-amazon-ad-api spend",
        "startDate": settings["startDate"],
        "endDate": settings["endDate"],
        "configuration": {
            "adProduct": "SPONSORED_PRODUCTS",
            "groupBy": ["advertiser"],
            "columns": ["date", "advertisedSku", "cost", "clicks"],
            "reportTypeId": "spAdvertisedProduct",
            "timeUnit": "DAILY",
            "format": "GZIP_JSON",
        },
    }
    created = reports.post_report(body=json.dumps(body)).payload
    result["firstStatus"] = created["status"]
    # The same request again while the first is made: Amazon's 425, as the library reports it.
    try:
        reports.post_report(body=json.dumps(body))
        result["duplicate"] = None
    except AdvertisingApiException as error:
        result["duplicate"] = {"code": error.code, "error": str(error.error)}
    # Amazon's time passes on the sandbox's clock (the test stopped it), not while we sleep.
    requests.post(settings["endpoint"] + "/_sandbox/clock", json={"advanceSeconds": settings["processingSeconds"] + 1}, timeout=30)
    report = reports.get_report(reportId=created["reportId"]).payload
    result["status"] = report["status"]
    rows = reports.download_report(url=report["url"], format="data").payload
    # Costs as the text of the numbers the library parsed, summed per day and SKU in cents.
    spend = {}
    for row in rows:
        key = f'{row["date"]}|{row["advertisedSku"]}'
        spend[key] = spend.get(key, 0) + round(row["cost"] * 100)
    result["spendCents"] = spend
    print(json.dumps(result))


if __name__ == "__main__":
    main()

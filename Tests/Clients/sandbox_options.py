"""python-amazon-sp-api pointed at the Amazon sandbox, for the scripts beside this file.

The library has no setting for Login with Amazon's host, and takes an SP-API endpoint only
through a marketplace object: both are replaced here, the rest is the library's own.
"""

import sys
from urllib.parse import urlsplit

try:
    from sp_api.auth import AccessTokenClient
    from sp_api.util import throttle_retry
except ImportError as error:
    # Every script imports this module before the library: one message for them all.
    sys.stderr.write(
        f"python-amazon-sp-api is not installed for {sys.executable} ({error}). Run the tests through "
        "deploy/test, which installs Tests/Clients/requirements.txt into .run/clients-venv.\n"
    )
    sys.exit(3)


def sandbox_options(settings):
    """The keyword arguments of every `sp_api.api` client: the sandbox's endpoint and LWA, the
    settings' marketplace and credentials."""
    endpoint = settings["endpoint"]

    class SandboxLWA(AccessTokenClient):
        """The library's LWA client with its host pointed at the sandbox."""

        scheme = urlsplit(endpoint).scheme + "://"
        host = urlsplit(endpoint).netloc

    class SandboxMarketplace:
        """A marketplace whose endpoint is the sandbox (the library reads these three fields)."""

        def __init__(self):
            self.endpoint = endpoint
            self.marketplace_id = settings["marketplaceId"]
            self.region = "us-east-1"

    return dict(
        marketplace=SandboxMarketplace(),
        credentials=dict(
            refresh_token=settings["refreshToken"],
            lwa_app_id=settings["clientId"],
            lwa_client_secret=settings["clientSecret"],
        ),
        auth_token_client_class=SandboxLWA,
    )


@throttle_retry(tries=8, delay=0.05, rate=2)
def call(function, *args, **kwargs):
    """One library call, retried when the sandbox throttles it (429)."""
    return function(*args, **kwargs)

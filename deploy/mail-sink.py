#!/usr/bin/env python3
"""The development and test SMTP server: accepts every message and keeps it, delivering nothing.

    deploy/mail-sink.py --port PORT --dir FOLDER [--host 127.0.0.1]

Each message is written whole to FOLDER as <nanoseconds>-<n>.eml (written under a temporary name,
then renamed, so a reader never sees half a message), preceded by X-Sink-Mail-From and
X-Sink-Rcpt-To headers with the SMTP envelope. deploy/up runs it for the suite (the services'
mail.smtp settings point at it); tests start one of their own per test. Built on aiosmtpd
(Debian's python3-aiosmtpd), which deploy/lib.sh installs.
"""
import argparse
import asyncio
import itertools
import os
import signal
import sys
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.counter = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        name = f"{time.time_ns()}-{next(self.counter)}.eml"
        head = (f"X-Sink-Mail-From: {envelope.mail_from}\r\n"
                f"X-Sink-Rcpt-To: {', '.join(envelope.rcpt_tos)}\r\n").encode()
        temporary = os.path.join(self.folder, "." + name)
        with open(temporary, "wb") as out:
            out.write(head + envelope.original_content)
        os.rename(temporary, os.path.join(self.folder, name))
        print(f"mail-sink: {name} from {envelope.mail_from} to {', '.join(envelope.rcpt_tos)}", flush=True)
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    arguments = parser.parse_args()
    os.makedirs(arguments.dir, exist_ok=True)
    controller = Controller(Sink(arguments.dir), hostname=arguments.host, port=arguments.port)
    controller.start()
    print(f"mail-sink: listening on {arguments.host}:{arguments.port}, keeping messages in {arguments.dir}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    for received in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(received, stop.set)
    try:
        loop.run_until_complete(stop.wait())
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

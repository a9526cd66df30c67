"""The stack's own clients reach the emulator in process; outside clients over HTTP.

The functions' and the pumps' requests skip HTTP (`tap_tools.testing.InProcess`), so the
emulator's HTTP server sees exactly the requests of the clients outside the stack. A score
and a CSV upload (whose handling takes dozens of the functions' requests) go through; the
HTTP requests served are those the outside client made, each answered as over HTTP.
"""

from __future__ import annotations

import time

from tap_tools.local import LocalStack
from tap_tools.testing import AwsClients, RequestCounter
from tests.local.conftest import HEADER, achieved, submission


def test_only_outside_clients_use_http_and_the_functions_still_work() -> None:
    with LocalStack(summary_interval=None) as stack:
        assert stack.emulator is not None
        aws = AwsClients(stack.endpoint_url)
        sqs, s3 = aws.sqs(), aws.s3()
        outside = RequestCounter.attach(sqs)
        uploads = RequestCounter.attach(s3)
        before = stack.emulator.over_http
        # When an outside client sends two scores and uploads a CSV of two rows
        sqs.send_message_batch(
            QueueUrl=stack.outputs["main_queue_url"],
            Entries=[
                {
                    "Id": str(number),
                    "MessageBody": submission(f"s-{number}", "global", f"p-{number}", 10),
                    "MessageGroupId": f"p-{number}",
                    "MessageDeduplicationId": f"s-{number}",
                }
                for number in range(2)
            ],
        )
        rows = [f"A-{n},north,Hammer,3,12.50,tools,1,{achieved(5)}" for n in range(2)]
        s3.put_object(
            Bucket=stack.outputs["inventory_bucket_name"],
            Key="inbound/two.csv",
            Body=(HEADER + "\n" + "\n".join(rows) + "\n").encode(),
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            counts = stack.counts()
            if counts.get("scores.accepted") == 2 and counts.get("inventory.files") == 1:
                break
            time.sleep(0.05)
        served_over_http = stack.emulator.over_http - before
    # Then both were handled (the functions' requests answered in process, as over HTTP)
    assert counts.get("scores.accepted") == 2
    assert counts.get("rows.applied") == 2
    assert counts.get("pump_errors", 0) == 0
    # And the HTTP server served only the outside client's requests
    assert served_over_http == outside.total_requests + uploads.total_requests == 2

"""Drives the Amazon sandbox's SQS endpoint with boto3, the client AWS's own users read queues with.

Run by Tests/AmazonTests/SandboxQueueTests.swift with the python of the virtualenv deploy/test
installs (Tests/Clients/requirements.txt). boto3 speaks SQS's JSON protocol, signs every request
with Signature Version 4 and checks the MD5 of every body it sends and receives, so each call here
is one the sandbox must answer exactly as SQS does. Prints one JSON object on stdout.

Usage: boto3_sqs_sandbox.py <settings.json>
settings: endpoint, region, accessKeyId, secretAccessKey, queueName, notificationsQueueUrl
"""

import json
import sys

try:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError
except ImportError as error:
    sys.stderr.write(
        f"boto3 is not installed for {sys.executable} ({error}). Run the tests through deploy/test, "
        "which installs Tests/Clients/requirements.txt into .run/clients-venv.\n"
    )
    sys.exit(3)


def client(settings, secret=None):
    return boto3.client(
        "sqs",
        endpoint_url=settings["endpoint"],
        region_name=settings["region"],
        aws_access_key_id=settings["accessKeyId"],
        aws_secret_access_key=secret or settings["secretAccessKey"],
        config=Config(retries={"max_attempts": 1}),
    )


def error_code(call):
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"]
    return None


def main():
    with open(sys.argv[1], encoding="utf-8") as file:
        settings = json.load(file)
    sqs = client(settings)
    result = {}

    queue = sqs.create_queue(QueueName=settings["queueName"])["QueueUrl"]
    result["queueUrl"] = queue
    result["queueUrlByName"] = sqs.get_queue_url(QueueName=settings["queueName"])["QueueUrl"]
    result["queueArn"] = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    sent = sqs.send_message(QueueUrl=queue, MessageBody='{"greeting":"héllo"}')
    result["sentId"] = sent["MessageId"]
    first = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                MessageSystemAttributeNames=["ApproximateReceiveCount"])["Messages"]
    result["firstBodies"] = [message["Body"] for message in first]
    result["firstCounts"] = [message["Attributes"]["ApproximateReceiveCount"] for message in first]
    result["hiddenWhileInFlight"] = "Messages" not in sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0)
    sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=first[0]["ReceiptHandle"], VisibilityTimeout=0)
    again = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1, AttributeNames=["All"])["Messages"]
    result["againIds"] = [message["MessageId"] for message in again]
    result["againCounts"] = [message["Attributes"]["ApproximateReceiveCount"] for message in again]
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=again[0]["ReceiptHandle"])
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    result["leftAfterDelete"] = int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])

    # What SQS refuses, boto3 reports with SQS's codes.
    result["wrongSecret"] = error_code(lambda: client(settings, secret="not-the-secret").receive_message(QueueUrl=queue))
    result["missingQueue"] = error_code(lambda: sqs.get_queue_url(QueueName="no-such-queue"))
    result["emptyBody"] = error_code(lambda: sqs.send_message(QueueUrl=queue, MessageBody=""))

    # The notifications queue: whatever Amazon delivered there reads as JSON notifications.
    delivered = sqs.receive_message(QueueUrl=settings["notificationsQueueUrl"], MaxNumberOfMessages=10, WaitTimeSeconds=0)
    result["notificationTypes"] = sorted(
        {json.loads(message["Body"]).get("NotificationType") or json.loads(message["Body"]).get("notificationType")
         for message in delivered.get("Messages", [])}
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()

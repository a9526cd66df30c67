import time, cProfile, pstats
from moto import mock_aws
import boto3
from tap_aws.resources import LEADERBOARD_TABLE
from tap_aws.tables import ensure_table
with mock_aws():
    c = boto3.client("dynamodb", region_name="us-east-1")
    ensure_table(c, "t", LEADERBOARD_TABLE)
    items = [{"PutRequest": {"Item": {"pk": {"S": "LB#b#all"}, "sk": {"S": f"N#{i:012x}"}, "c01": {"N": "1"}}}} for i in range(20000)]
    pr = cProfile.Profile(); pr.enable(); t = time.time()
    for s in range(0, len(items), 25):
        c.batch_write_item(RequestItems={"t": items[s:s+25]})
    pr.disable(); print(time.time() - t)
    pstats.Stats(pr).sort_stats("cumulative").print_stats(25)

"""The read API's routes, one Powertools ``Router`` per area, included by
:mod:`tap_aws.functions.api` (the handler): :mod:`.leaderboards` and :mod:`.inventory`, with the
query parameters and the ports they read in :mod:`.requests`."""

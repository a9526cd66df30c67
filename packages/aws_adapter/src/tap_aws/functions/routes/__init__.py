"""The read API's routes, one Powertools ``Router`` per area, included by
`tap_aws.functions.api` (the handler): `routes.leaderboards` and `routes.inventory`, with the
query parameters and the ports they read in `routes.requests`."""

"""Schemathesis hooks for Provisio.

`min_position` asks a read to wait (at most 5 s) for a log position and answers 503 with
Retry-After when it never comes: the contract's behaviour, not a server error. An
`as_of_position` beyond the last applied position waits the same way, and so does the `to`
position of the changes between two moments (CONTRACT section 10).
Random positions would hit it, so generated cases leave those parameters out; the integration
tests cover them (tests/it/reports.rs, tests/it/over_time/).
"""
import schemathesis

# Positions a read waits for; the demo's log is far shorter than a random integer.
WAITING_PARAMETERS = ("min_position", "as_of_position", "to")


@schemathesis.hook
def filter_query(ctx, query):
    return not query or not any(p in query for p in WAITING_PARAMETERS)

"""Schemathesis hooks for Provisio.

`min_position` asks a report to wait (at most 5 s) for a log position and answers 503 with
Retry-After when it never comes: the contract's behaviour, not a server error. Random
positions would hit it, so generated cases leave that parameter out; the integration tests
cover it.
"""
import schemathesis


@schemathesis.hook
def filter_query(ctx, query):
    return not query or "min_position" not in query

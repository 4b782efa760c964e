"""The JSON API (/api/v1, as promised in API.md), one module per area like the pages. Routes
parse, resolve the actor, call one service and shape the answer with forum/serialize.py."""

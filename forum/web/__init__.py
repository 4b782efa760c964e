"""The HTTP layer: routes, rendering, and what the pages and the API share."""

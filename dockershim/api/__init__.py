"""The HTTP API: app wiring, API-version handling, error rendering, one router per resource."""

"""The OpenAPI document of the API dockershim serves (openapi/dockershim.json), its comparison
with Docker's spec and the compatibility page (docs/compatibility.md).

A developer tool: nothing here is imported by the service, so the schema is never built at
import or at startup (api/lazyapp.py's cold start). `python -m dockershim.openapi` writes the
files; `--check` says whether the committed ones are current.
"""

"""Checks shared by the API tests: the contract's error shape, and requests that must never
become a server error."""

from __future__ import annotations

import httpx


def error_problem(r: httpx.Response | str, status: int, field: str | None = None) -> str | None:
    """What is wrong with an answer that should be the contract's error: the given 4xx status and
    {"error": {"code": snake_case, "message": text}} (naming `field` for 422s); None if nothing."""
    if isinstance(r, str):
        return r
    if r.status_code != status:
        return f"status {r.status_code}, wanted {status}: {r.text[:300]}"
    try:
        body = r.json()
    except ValueError:
        return f"not JSON: {r.text[:300]}"
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or set(body) != {"error"}:
        return f"not an error object: {body}"
    code, message = error.get("code"), error.get("message")
    if not (isinstance(code, str) and code and code == code.lower() and " " not in code):
        return f"bad error code: {body}"
    if not (isinstance(message, str) and message.strip()):
        return f"bad error message: {body}"
    if field is not None and field not in (error.get("fields") or {}):
        return f"field {field!r} not named: {body}"
    return None


def assert_error(r, status: int, code: str | None = None, field: str | None = None) -> dict:
    problem = error_problem(r, status, field)
    assert problem is None, problem
    error = r.json()["error"]
    if code is not None:
        assert error["code"] == code, error
    return error


async def attempt(client, method: str, url: str, **kwargs) -> httpx.Response | str:
    """The response, or a description of the exception the app let escape (a 500)."""
    try:
        return await client.request(method, url, **kwargs)
    except Exception as exc:  # the test transport re-raises what the app did not handle
        return f"unhandled {type(exc).__name__}: {exc}"


def assert_no_failures(failures: list) -> None:
    assert not failures, "\n".join(repr(f) for f in failures)

"""Schemathesis auth hook for the authenticated run of `npm run test:fuzz` (scripts/run-schemathesis.ts
loads it through SCHEMATHESIS_HOOKS and passes the fuzz user in the environment).

Every request to an operation that takes credentials gets a session of its own: a fresh login, its
access token as `Authorization: Bearer` and its refresh token as the `refreshToken` cookie. A cached
token does not survive this API for long: logout, `?scope=global`, session revocation, refresh-token
reuse and password changes all end sessions, which is what they are for. Schemathesis's own
re-authentication (log in again after a 401) gives up on an operation whose 401 survives a fresh
login, and a password change with a wrong current password is such a 401 (INVALID_CREDENTIALS), after
which that operation would be sent a dead token for the rest of the run.
"""

import os

import requests
import schemathesis

BASE_URL = os.environ["FUZZ_BASE_URL"]
CREDENTIALS = {"email": os.environ["FUZZ_EMAIL"], "password": os.environ["FUZZ_PASSWORD"]}

# Everything that reads a credential: refresh, logout, sessions and the user's own routes.
NEEDS_CREDENTIALS = r"^/api/v1/(auth/(refresh|logout|sessions)|users/)"


@schemathesis.auth(refresh_interval=None).apply_to(path_regex=NEEDS_CREDENTIALS)
class FreshSession:
    def get(self, case, context):
        response = requests.post(f"{BASE_URL}/api/v1/auth/login", json=CREDENTIALS, timeout=30)
        response.raise_for_status()
        return {"access": response.json()["accessToken"], "refresh": response.cookies["refreshToken"]}

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data['access']}"
        case.cookies = case.cookies or {}
        case.cookies["refreshToken"] = data["refresh"]

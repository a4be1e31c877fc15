"""Schemathesis auth hook for the authenticated run of `npm run test:fuzz` (scripts/run-schemathesis.ts
loads it through SCHEMATHESIS_HOOKS and passes the fuzz user in the environment).

Every request to an operation that takes credentials gets a session of its own: a fresh login, its
access token as `Authorization: Bearer` and its refresh token as the `refreshToken` cookie. A cached
token does not survive this API for long: logout, `?scope=global`, session revocation, refresh-token
reuse and password changes all end sessions, which is what they are for. Schemathesis's own
re-authentication (log in again after a 401) gives up on an operation whose 401 survives a fresh
login, and a password change with a wrong current password is such a 401 (INVALID_CREDENTIALS), after
which that operation would be sent a dead token for the rest of the run.

The logins go round a pool of users (FUZZ_EMAILS, one password for all), LOGINS_PER_USER in a row
each: a user has at most SESSION_LIMIT_PER_USER (100) sessions, and a login beyond that first revokes
the least recently used one, which waits out the revocation lease (about 0.2 s a login); spread over the
pool, a run of the default size stays under. In a row, so that the steps of a stateful scenario (list
the sessions, then revoke one of them) are mostly one user's.
"""

import itertools
import os
import threading

import requests
import schemathesis

BASE_URL = os.environ["FUZZ_BASE_URL"]
EMAILS = os.environ["FUZZ_EMAILS"].split(",")
PASSWORD = os.environ["FUZZ_PASSWORD"]
LOGINS_PER_USER = 40

# Everything that reads a credential: refresh, logout, sessions and the user's own routes.
NEEDS_CREDENTIALS = r"^/api/v1/(auth/(refresh|logout|sessions)|users/)"
NEXT_USER = threading.Lock()
LOGINS = itertools.count()


@schemathesis.auth(refresh_interval=None).apply_to(path_regex=NEEDS_CREDENTIALS)
class FreshSession:
    def get(self, case, context):
        with NEXT_USER:
            login = next(LOGINS)
        email = EMAILS[(login // LOGINS_PER_USER) % len(EMAILS)]
        response = requests.post(f"{BASE_URL}/api/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=30)
        response.raise_for_status()
        return {"access": response.json()["accessToken"], "refresh": response.cookies["refreshToken"]}

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data['access']}"
        case.cookies = case.cookies or {}
        case.cookies["refreshToken"] = data["refresh"]

"""mama-cas attribute callback: each user's CAS attributes as the fixture wrote them (``CAS_TEST_USERS``)."""
import json
import os


def from_users_file(user, service):
    """The attributes released for ``user`` (mama-cas puts them in ``<cas:attributes>``)."""
    with open(os.environ["CAS_TEST_USERS"], encoding="utf-8") as handle:
        users = json.load(handle)
    return dict(users.get(user.get_username(), {}).get("attributes", {}))

"""R2 for the admin, which bedrot_site/tests/test_access.py leaves out: anonymous and non-staff
users get no admin page (Django sends both to the admin login), and staff never get a 5xx."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.reliability.test_csrf import ROUTES

ADMIN_ROUTES = [path for path in ROUTES if path.startswith("/admin/")]
LOGIN_PAGE = "/admin/login/"


def _refused(response: Any) -> bool:
    # Django's admin answers a missing or non-staff login with a redirect to its login page.
    return response.status_code == 302 and response["Location"].startswith(LOGIN_PAGE)


@pytest.mark.django_db
def test_admin_refuses_anonymous_and_non_staff_and_never_fails_staff(
    client: Client, bob: Any, alice: Any
) -> None:
    walked = [path for path in ADMIN_ROUTES if path not in {LOGIN_PAGE, "/admin/logout/"}]
    bob_client, alice_client = Client(), Client()
    bob_client.force_login(bob)
    alice_client.force_login(alice)

    anonymous_ok = [path for path in walked if _refused(client.get(path))]
    non_staff_ok = [path for path in walked if _refused(bob_client.get(path))]
    staff_errors = [path for path in walked if alice_client.get(path).status_code >= 500]

    assert len(walked) >= 200
    assert (len(anonymous_ok), len(non_staff_ok)) == (len(walked), len(walked))
    assert staff_errors == []

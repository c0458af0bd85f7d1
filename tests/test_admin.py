"""The admin: reference data is editable, orders and events are read-only."""

from __future__ import annotations

import pytest
from django.test import Client

from hotline.accounts.models import User
from hotline.domain.lifecycle import State
from hotline.reference.models import SlaPolicy
from tests.common.second_factor import force_login_verified
from tests.common.world import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(world: World) -> Client:
    root = User.objects.create_superuser(username="root", password="x")
    return force_login_verified(Client(), root)  # admins sign in with a second factor


@pytest.mark.parametrize(
    "model",
    [
        "accounts/unit",
        "accounts/user",
        "accounts/apitoken",
        "reference/category",
        "reference/slapolicy",
        "reference/calendarday",
    ],
)
def test_reference_data_can_be_listed_and_added(admin_client: Client, model: str) -> None:
    assert admin_client.get(f"/admin/{model}/").status_code == 200
    assert admin_client.get(f"/admin/{model}/add/").status_code == 200


def test_sla_policy_is_created_from_the_admin(admin_client: Client) -> None:
    response = admin_client.post(
        "/admin/reference/slapolicy/add/",
        {"urgency": "urgent", "accept_hours": "1", "handle_days": "2"},
    )
    assert response.status_code == 302
    assert SlaPolicy.objects.get(urgency="urgent").handle_days == 2


def test_orders_and_events_are_read_only(admin_client: Client, world: World) -> None:
    order = world.walk(world.create(), State.HANDLING)
    event = order.events.first()
    assert event is not None
    assert admin_client.get("/admin/workorders/workorder/").status_code == 200
    assert admin_client.get("/admin/workorders/workorderevent/").status_code == 200
    page = admin_client.get(f"/admin/workorders/workorder/{order.pk}/change/")
    assert page.status_code == 200 and order.number in page.content.decode()
    assert "13812341234" not in page.content.decode()  # personal data stays out of the admin
    assert "138****1234" in page.content.decode()
    create = admin_client.get(f"/admin/workorders/workorderevent/{event.pk}/change/")
    assert create.status_code == 200 and "13812341234" not in create.content.decode()
    assert admin_client.get("/admin/workorders/workorderevent/add/").status_code == 403
    delete = f"/admin/workorders/workorderevent/{event.pk}/delete/"
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert order.events.count() == order.version

"""Keys and requests for the API's tests."""

from api.models import ApiKeyScope
from api.services.keys import api_key_create


def key_for(world, scope: str = ApiKeyScope.WRITE) -> str:
    with world.active():
        return api_key_create(
            tenant=world.tenant, actor=world.admin.user, name=f"{scope} key", scope=scope
        ).key


def bearer(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}

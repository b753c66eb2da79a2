"""Small fixes of moto bugs the sandbox runs into, each with the symptom it removes."""

from __future__ import annotations

import json
from typing import Any

from moto.core.common_types import TYPE_RESPONSE
from moto.moto_api._internal.responses import MotoAPIResponse


def _readable(instance: Any, attribute: str) -> tuple[bool, Any]:
    try:
        value = getattr(instance, attribute)
        json.dumps(value)
    except Exception:  # noqa: BLE001 - any attribute that cannot be read or shown is left out
        return False, None
    return True, value


def model_data(self: MotoAPIResponse, request: Any, full_url: str, headers: Any) -> TYPE_RESPONSE:
    """moto's ``/moto-api/data.json``, tolerant of attributes that refuse to be read.

    moto's own version answers 500 as soon as an RDS cluster or instance exists, because some of
    their properties raise NotImplementedError ("write only property", "Password not retrievable")
    where it tolerates only TypeError/AttributeError/ValueError. The sandbox probes this endpoint.
    """
    from moto.core.model_instances import model_data as tracked

    results: dict[str, dict[str, list[Any]]] = {}
    for service in sorted(tracked):
        results[service] = {}
        for name in sorted(tracked[service]):
            results[service][name] = []
            for instance in tracked[service][name].instances_tracked:  # type: ignore[attr-defined]
                shown = {}
                for attribute in dir(instance):
                    if not attribute.startswith("_"):
                        readable, value = _readable(instance, attribute)
                        if readable:
                            shown[attribute] = value
                results[service][name].append(shown)
    return 200, {"Content-Type": "application/javascript"}, json.dumps(results)


def install() -> None:
    # moto_api's URL map binds response_instance.model_data when it is first imported, which is
    # when the server builds the moto_api app for the first request: after this install().
    MotoAPIResponse.model_data = model_data  # type: ignore[method-assign]

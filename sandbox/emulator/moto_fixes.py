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


def _applies_over_tls(statement: dict[str, Any]) -> bool:
    """False for a statement that only applies without TLS (``Bool aws:SecureTransport false``)."""
    for operator, conditions in (statement.get("Condition") or {}).items():
        if operator.startswith("Bool") and str((conditions or {}).get("aws:SecureTransport", "")).lower() == "false":
            return False
    return True


def bucket_permission(self: Any, action: str, resource: str) -> Any:
    """moto's bucket policy check, with the requests taken as made over TLS.

    moto ignores a statement's Condition, so the usual TLS-only statement (Deny s3:* when
    aws:SecureTransport is false) denies every object read. The emulator stands in for AWS's HTTPS
    endpoints, so such statements never apply; the rest of the policy is evaluated by moto as before.
    """
    from moto.iam.access_control import IAMPolicy, PermissionResult

    if self.policy is None:
        return PermissionResult.NEUTRAL
    document = json.loads(self.policy.decode())
    statements = document.get("Statement") or []
    statements = [statements] if isinstance(statements, dict) else statements
    document["Statement"] = [statement for statement in statements if _applies_over_tls(statement)]
    return IAMPolicy(json.dumps(document)).is_action_permitted(action, resource)


def delivery_stream_init(original: Any) -> Any:
    """moto's DeliveryStream, with the encryption of a create request shown as AWS shows it.

    moto keeps ``DeliveryStreamEncryptionConfigurationInput`` of CreateDeliveryStream as given (KeyType,
    KeyARN) without a ``Status``, which only StartDeliveryStreamEncryption sets; AWS reports ``ENABLED`` once
    the stream is active (it passes through ENABLING; the emulator's streams are active at once).
    """

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        encryption = self.delivery_stream_encryption_configuration
        if encryption and not encryption.get("Status"):
            encryption["Status"] = "ENABLED"

    return init


def install() -> None:
    from moto.firehose.models import DeliveryStream
    from moto.s3.models import FakeBucket

    DeliveryStream.__init__ = delivery_stream_init(DeliveryStream.__init__)  # type: ignore[method-assign]

    FakeBucket.get_permission = bucket_permission  # type: ignore[method-assign]
    # moto_api's URL map binds response_instance.model_data when it is first imported, which is
    # when the server builds the moto_api app for the first request: after this install().
    MotoAPIResponse.model_data = model_data  # type: ignore[method-assign]

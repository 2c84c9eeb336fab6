# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""One normaliser per payload format: a partner's JSON in, our internal event shape out.

Pure Python. :func:`normalise` returns a dict::

    {
        "format": "native" | "easypost" | "aftership" | "shippo",
        "event_type": "tracking.updated", "purchase_order.acknowledged", ...,
        "external_id": the partner's event id, or a key derived from the payload,
        "occurred_at": ISO 8601 UTC ("2025-03-01T10:00:00Z") or None,
        "references": {"tracking_number": ..., "carrier": ..., "purchase_order": ...},
        "tracking": {"status": one of TRACKING_STATUSES, "status_detail", "estimated_delivery",
                     "location", "message"}                           # tracking events only
        "data": what the event says beyond that (lines, promised date, ...),
        "ignored": a reason, when the partner sent an event we do not use,
    }

and raises :class:`MalformedPayload` (answered 400) when a required field is missing or has the
wrong type. Normalisers never trust the shape of the input: any JSON value gives either a result
or MalformedPayload, never another exception.
"""

import hashlib
import json
import re
from datetime import date, datetime, timezone

TRACKING_STATUSES = (
    "pre_transit",
    "in_transit",
    "out_for_delivery",
    "available_for_pickup",
    "delivered",
    "failed_attempt",
    "exception",
    "returned",
    "cancelled",
    "unknown",
)

# Our own event types and the data fields each requires.
NATIVE_EVENT_TYPES = {
    "tracking.updated": ("tracking_number", "status"),
    "purchase_order.acknowledged": ("purchase_order",),
    "purchase_order.shipped": ("purchase_order",),
    "purchase_order.delayed": ("purchase_order", "promised_date"),
}

# Which event types an endpoint of each kind accepts (None: any well-formed type).
KIND_EVENT_TYPES = {
    "carrier_tracking": {"tracking.updated"},
    "supplier_ack": {"purchase_order.acknowledged"},
    "ship_notice": {"purchase_order.shipped"},
    "supplier_delay": {"purchase_order.delayed"},
    "generic": None,
}

DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EVENT_TYPE_PATTERN = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
MAX_ID_LENGTH = 255

EASYPOST_STATUSES = {
    "unknown": "unknown",
    "pre_transit": "pre_transit",
    "in_transit": "in_transit",
    "out_for_delivery": "out_for_delivery",
    "available_for_pickup": "available_for_pickup",
    "delivered": "delivered",
    "return_to_sender": "returned",
    "failure": "exception",
    "error": "exception",
    "cancelled": "cancelled",
}
AFTERSHIP_TAGS = {
    "Pending": "pre_transit",
    "InfoReceived": "pre_transit",
    "InTransit": "in_transit",
    "OutForDelivery": "out_for_delivery",
    "AvailableForPickup": "available_for_pickup",
    "AttemptFail": "failed_attempt",
    "Delivered": "delivered",
    "Exception": "exception",
    "Expired": "unknown",
}
SHIPPO_STATUSES = {
    "PRE_TRANSIT": "pre_transit",
    "TRANSIT": "in_transit",
    "DELIVERED": "delivered",
    "RETURNED": "returned",
    "FAILURE": "exception",
    "UNKNOWN": "unknown",
}
# Shippo's substatus codes that say more than the status does
SHIPPO_SUBSTATUSES = {
    "out_for_delivery": "out_for_delivery",
    "delivery_attempted": "failed_attempt",
    "package_available_for_pickup": "available_for_pickup",
}


class MalformedPayload(Exception):
    """The payload lacks a required field or has one of the wrong type (HTTP 400)."""


# ---------------------------------------------------------------------- helpers


def derived_key(*parts):
    """A stable id for payloads that carry none: SHA-256 of the canonical JSON of ``parts``."""
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def _object(value, name):
    if not isinstance(value, dict):
        raise MalformedPayload(f"{name} must be a JSON object")
    return value


def _text(container, key, name=None, required=False):
    value = container.get(key)
    if value is None or value == "":
        if required:
            raise MalformedPayload(f"{name or key} is required")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise MalformedPayload(f"{name or key} must be a string")
    return str(value).strip() or None


def _optional_text(container, key):
    """A string when there is one; other types are dropped (lenient, for partner formats)."""
    value = container.get(key) if isinstance(container, dict) else None
    return value.strip() or None if isinstance(value, str) else None


def _external_id(value, name):
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise MalformedPayload(f"{name} must be a string")
    value = str(value).strip()
    if len(value) > MAX_ID_LENGTH:
        raise MalformedPayload(f"{name} is longer than {MAX_ID_LENGTH} characters")
    return value or None


def parse_timestamp(value):
    """ISO 8601 (with Z or an offset; naive means UTC) or unix seconds -> naive UTC datetime.

    Returns None for anything else.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc).replace(tzinfo=None)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # Python 3.10 only reads 3 or 6 fractional digits: keep at most 6, pad to 6
    text = re.sub(r"\.(\d+)", lambda m: "." + m.group(1)[:6].ljust(6, "0"), text, count=1)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def _iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _date_or_datetime(container, key, required=False):
    """Validate a date or date-time field; return it as ISO text (dates stay dates)."""
    value = container.get(key)
    if value in (None, ""):
        if required:
            raise MalformedPayload(f"{key} is required")
        return None
    if isinstance(value, str) and DATE_PATTERN.match(value.strip()):
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError as error:
            raise MalformedPayload(f"{key} is not a valid date") from error
    moment = parse_timestamp(value)
    if moment is None:
        raise MalformedPayload(f"{key} must be an ISO 8601 date or date-time")
    return _iso(moment)


def _compact(mapping):
    return {key: value for key, value in mapping.items() if value not in (None, "", [], {})}


def _location(value):
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        parts = [
            value.get(key)
            for key in ("city", "state", "zip", "postal_code", "country")
            if isinstance(value.get(key), str) and value.get(key).strip()
        ]
        return ", ".join(parts) or None
    return None


def _last(value):
    return value[-1] if isinstance(value, list) and value and isinstance(value[-1], dict) else {}


def _result(fmt, event_type, external_id, occurred_at, references, data=None, **extra):
    result = {
        "format": fmt,
        "event_type": event_type,
        "external_id": external_id,
        "occurred_at": _iso(occurred_at),
        "references": _compact(references),
        "data": data or {},
    }
    result.update({key: value for key, value in extra.items() if value is not None})
    return result


# ---------------------------------------------------------------------- formats


def normalise_native(body, kind, headers=None):
    """Our normalised JSON: ``{"id", "type", "timestamp", "data": {...}}``.

    The envelope follows the Standard Webhooks payload recommendation. ``id`` may be omitted
    when the request carries a ``webhook-id`` header; without either, the key is derived from
    the payload.
    """
    body = _object(body, "the payload")
    event_type = _text(body, "type", required=True)
    if not EVENT_TYPE_PATTERN.match(event_type):
        raise MalformedPayload("type must be dot-separated lower-case words, e.g. tracking.updated")
    allowed = KIND_EVENT_TYPES.get(kind)
    if allowed is not None and event_type not in allowed:
        raise MalformedPayload(
            f"type {event_type} is not accepted by this endpoint (expected: "
            f"{', '.join(sorted(allowed))})"
        )
    data = _object(body.get("data", {}), "data")
    for field in NATIVE_EVENT_TYPES.get(event_type, ()):
        _text(data, field, name=f"data.{field}", required=True)
    raw_timestamp = body.get("timestamp")
    occurred_at = parse_timestamp(raw_timestamp)
    if raw_timestamp not in (None, "") and occurred_at is None:
        raise MalformedPayload("timestamp must be an ISO 8601 date-time")
    external_id = _external_id(body.get("id"), "id") or _external_id(
        (headers or {}).get("webhook-id"), "webhook-id"
    )
    external_id = external_id or derived_key("native", body)

    extra = {}
    references = {
        "tracking_number": _text(data, "tracking_number"),
        "carrier": _text(data, "carrier"),
        "purchase_order": _text(data, "purchase_order"),
        "picking": _text(data, "picking"),
        "supplier_reference": _text(data, "supplier_reference"),
    }
    if event_type == "tracking.updated":
        status = data["status"]
        if status not in TRACKING_STATUSES:
            raise MalformedPayload(f"data.status must be one of: {', '.join(TRACKING_STATUSES)}")
        extra["tracking"] = _compact(
            {
                "status": status,
                "status_detail": _text(data, "status_detail"),
                "estimated_delivery": _date_or_datetime(data, "estimated_delivery"),
                "location": _location(data.get("location")),
                "message": _text(data, "message"),
            }
        )
    if event_type == "purchase_order.delayed":
        data = dict(data, promised_date=_date_or_datetime(data, "promised_date", required=True))
    if "lines" in data and not (
        isinstance(data["lines"], list) and all(isinstance(line, dict) for line in data["lines"])
    ):
        raise MalformedPayload("data.lines must be a list of objects")
    return _result("native", event_type, external_id, occurred_at, references, data, **extra)


def normalise_easypost(body, kind, headers=None):
    """An EasyPost Event: ``{"id": "evt_...", "description": "tracker.updated", "result": {}}``."""
    body = _object(body, "the payload")
    external_id = _external_id(body.get("id"), "id")
    if not external_id:
        raise MalformedPayload("id is required")
    description = _text(body, "description", required=True)
    created_at = parse_timestamp(body.get("created_at"))
    if not description.startswith("tracker."):
        return _result(
            "easypost",
            f"easypost.{description}",
            external_id,
            created_at,
            {},
            ignored=f"EasyPost {description} events are not used",
        )
    tracker = _object(body.get("result"), "result")
    tracking_number = _text(tracker, "tracking_code", "result.tracking_code", required=True)
    last = _last(tracker.get("tracking_details"))
    occurred_at = (
        parse_timestamp(last.get("datetime"))
        or parse_timestamp(tracker.get("updated_at"))
        or created_at
    )
    status = _optional_text(tracker, "status") or "unknown"
    return _result(
        "easypost",
        "tracking.updated",
        external_id,
        occurred_at,
        {
            "tracking_number": tracking_number,
            "carrier": _optional_text(tracker, "carrier"),
            "shipment": _optional_text(tracker, "shipment_id"),
            "tracker": _optional_text(tracker, "id"),
        },
        {"easypost_event": description},
        tracking=_compact(
            {
                "status": EASYPOST_STATUSES.get(status, "unknown"),
                "status_detail": _optional_text(tracker, "status_detail"),
                "carrier_status": status,
                "estimated_delivery": _iso(parse_timestamp(tracker.get("est_delivery_date"))),
                "location": _location(last.get("tracking_location")),
                "message": _optional_text(last, "message"),
            }
        ),
    )


def normalise_aftership(body, kind, headers=None):
    """An AfterShip tracking webhook: ``{"event", "event_id", "ts", "msg": {tracking}}``."""
    body = _object(body, "the payload")
    msg = _object(body.get("msg"), "msg")
    tracking_number = _text(msg, "tracking_number", "msg.tracking_number", required=True)
    event = _text(body, "event") or "tracking_update"
    tag = _optional_text(msg, "tag")
    occurred_at = parse_timestamp(body.get("ts")) or parse_timestamp(msg.get("updated_at"))
    external_id = _external_id(body.get("event_id"), "event_id") or derived_key(
        "aftership", event, tracking_number, tag, body.get("ts"), msg.get("updated_at")
    )
    last = _last(msg.get("checkpoints"))
    order = msg.get("order_number") or msg.get("order_id")
    return _result(
        "aftership",
        "tracking.updated",
        external_id,
        occurred_at,
        {
            "tracking_number": tracking_number,
            "carrier": _optional_text(msg, "slug"),
            "order": order if isinstance(order, str) else None,
            "tracker": _optional_text(msg, "id"),
        },
        {"aftership_event": event},
        tracking=_compact(
            {
                "status": AFTERSHIP_TAGS.get(tag, "unknown"),
                "status_detail": _optional_text(msg, "subtag"),
                "carrier_status": tag,
                "estimated_delivery": _optional_text(msg, "expected_delivery"),
                "location": _location(last.get("location")) or _location(last or None),
                "message": _optional_text(last, "message") or _optional_text(msg, "subtag_message"),
            }
        ),
    )


def normalise_shippo(body, kind, headers=None):
    """A Shippo webhook: ``{"event": "track_updated", "data": {tracking object}}``.

    Shippo sends no event id, and may send the same update twice: the key is derived from the
    tracking number and the status object (id, status, date).
    """
    body = _object(body, "the payload")
    event = _text(body, "event", required=True)
    data = _object(body.get("data"), "data")
    if event != "track_updated":
        return _result(
            "shippo",
            f"shippo.{event}",
            derived_key("shippo", event, data),
            None,
            {},
            ignored=f"Shippo {event} events are not used",
        )
    tracking_number = _text(data, "tracking_number", "data.tracking_number", required=True)
    status = data.get("tracking_status")
    status = status if isinstance(status, dict) else {}
    code = _optional_text(status, "status") or "UNKNOWN"
    substatus = status.get("substatus")
    subcode = _optional_text(substatus, "code") if isinstance(substatus, dict) else None
    occurred_at = parse_timestamp(status.get("status_date"))
    carrier = _optional_text(data, "carrier")
    external_id = derived_key(
        "shippo",
        carrier,
        tracking_number,
        status.get("object_id"),
        code,
        status.get("status_date"),
        subcode,
    )
    return _result(
        "shippo",
        "tracking.updated",
        external_id,
        occurred_at,
        {
            "tracking_number": tracking_number,
            "carrier": carrier,
            "metadata": _optional_text(data, "metadata"),
        },
        {"shippo_event": event, "test": data.get("test") is True or body.get("test") is True},
        tracking=_compact(
            {
                "status": SHIPPO_SUBSTATUSES.get(subcode) or SHIPPO_STATUSES.get(code, "unknown"),
                "status_detail": _optional_text(status, "status_details"),
                "carrier_status": code,
                "estimated_delivery": _iso(parse_timestamp(data.get("eta"))),
                "location": _location(status.get("location")),
            }
        ),
    )


NORMALISERS = {
    "native": normalise_native,
    "easypost": normalise_easypost,
    "aftership": normalise_aftership,
    "shippo": normalise_shippo,
}


def normalise(fmt, body, kind="generic", headers=None):
    """Normalise ``body`` (parsed JSON) sent in ``fmt`` to an endpoint of ``kind``."""
    return NORMALISERS[fmt](body, kind, headers or {})

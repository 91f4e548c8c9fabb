"""Texts and emails to patients, through an adapter shaped like GOV.UK Notify's API.

GOV.UK Notify is the NHS standard for sending texts and emails. Stepcare talks to it through
``NotificationAdapter``: ``GovUkNotifyAdapter`` calls the real service, ``FakeNotifyAdapter``
keeps messages in memory for tests and the demo. Which one runs is the setting
``NOTIFICATION_ADAPTER``; the fake is the default so that nothing leaves a development
machine by accident.

Messages say as little as they can: no diagnosis, no clinician's job title, the service's
name, the time and the place (or the video joining link).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent
from stepcare.scheduling.models import Appointment, Attendee, Message
from stepcare.scheduling.timeslots import LONDON


class NotificationError(Exception):
    """The notification service refused or could not be reached; the job retries."""


class NotificationAdapter(Protocol):
    def send_sms(
        self, *, phone_number: str, template_id: str, personalisation: dict[str, str], reference: str
    ) -> str:
        """Send a text message; return the provider's id for it."""
        ...

    def send_email(
        self, *, email_address: str, template_id: str, personalisation: dict[str, str], reference: str
    ) -> str:
        """Send an email; return the provider's id for it."""
        ...


@dataclass(frozen=True)
class SentMessage:
    channel: str
    to: str
    template_id: str
    personalisation: dict[str, str]
    reference: str


class FakeNotifyAdapter:
    """Records what would have been sent. For tests and the demo; sends nothing."""

    outbox: ClassVar[list[SentMessage]] = []

    def send_sms(
        self, *, phone_number: str, template_id: str, personalisation: dict[str, str], reference: str
    ) -> str:
        self.outbox.append(SentMessage("sms", phone_number, template_id, dict(personalisation), reference))
        return f"fake-{uuid.uuid4()}"

    def send_email(
        self, *, email_address: str, template_id: str, personalisation: dict[str, str], reference: str
    ) -> str:
        self.outbox.append(SentMessage("email", email_address, template_id, dict(personalisation), reference))
        return f"fake-{uuid.uuid4()}"


class GovUkNotifyAdapter:
    """GOV.UK Notify's REST API (https://docs.notifications.service.gov.uk/rest-api.html).

    The API key (``NOTIFY_API_KEY``) ends with the service id and a secret, each a UUID;
    each request carries a JSON Web Token signed with the secret.
    """

    base_url = "https://api.notifications.service.gov.uk"

    def __init__(self, api_key: str | None = None) -> None:
        key = api_key if api_key is not None else getattr(settings, "NOTIFY_API_KEY", "")
        if len(key) < 74:
            raise NotificationError("NOTIFY_API_KEY is not set, or is not a GOV.UK Notify API key.")
        self.service_id, self.secret = key[-73:-37], key[-36:]

    def token(self, now: float | None = None) -> str:
        def b64(data: bytes) -> str:
            return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

        header = b64(json.dumps({"typ": "JWT", "alg": "HS256"}).encode())
        claims = b64(json.dumps({"iss": self.service_id, "iat": int(now or time.time())}).encode())
        signature = hmac.new(self.secret.encode(), f"{header}.{claims}".encode(), hashlib.sha256).digest()
        return f"{header}.{claims}.{b64(signature)}"

    def _post(self, path: str, payload: dict[str, Any]) -> str:
        request = urllib.request.Request(  # noqa: S310 (a fixed https address)
            self.base_url + path,
            data=json.dumps(payload).encode(),
            headers={"Authorization": f"Bearer {self.token()}", "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return str(json.load(response)["id"])
        except Exception as exc:  # network failure or a refusal: the job retries
            raise NotificationError(f"GOV.UK Notify did not accept the message: {exc}") from exc

    def send_sms(
        self, *, phone_number: str, template_id: str, personalisation: dict[str, str], reference: str
    ) -> str:
        return self._post(
            "/v2/notifications/sms",
            {
                "phone_number": phone_number,
                "template_id": template_id,
                "personalisation": personalisation,
                "reference": reference,
            },
        )

    def send_email(
        self, *, email_address: str, template_id: str, personalisation: dict[str, str], reference: str
    ) -> str:
        return self._post(
            "/v2/notifications/email",
            {
                "email_address": email_address,
                "template_id": template_id,
                "personalisation": personalisation,
                "reference": reference,
            },
        )


def get_adapter() -> NotificationAdapter:
    path = getattr(settings, "NOTIFICATION_ADAPTER", "stepcare.scheduling.notifications.FakeNotifyAdapter")
    adapter: NotificationAdapter = import_string(path)()
    return adapter


# The wording of each message. In GOV.UK Notify each is a template with ((placeholders));
# the ids are the service's own, set in Notify. The text here is what is recorded.
TEMPLATES: dict[str, str] = {
    Message.Kind.BOOKED: "((service)): you have an appointment on ((when)), ((where)).((joining))",
    Message.Kind.CHANGED: (
        "((service)): your appointment has changed. It is now on ((when)), ((where)).((joining))"
    ),
    Message.Kind.CANCELLED: "((service)): your appointment on ((when)) is cancelled. We will be in touch.",
    Message.Kind.SERIES_CANCELLED: (
        "((service)): your appointment on ((when)) and the later ones in the series are cancelled."
    ),
    Message.Kind.REMINDER: (
        "((service)): a reminder of your appointment tomorrow, ((when)), ((where)).((joining))"
    ),
}


def template_id(kind: str, channel: str) -> str:
    ids: dict[str, str] = settings.NOTIFY_TEMPLATE_IDS
    return ids.get(f"{kind}:{channel}", f"stepcare-{kind}-{channel}")


def personalisation(attendee: Attendee) -> dict[str, str]:
    appointment = attendee.appointment
    start = appointment.starts_at.astimezone(LONDON)
    mode = appointment.delivery_mode
    if mode == Appointment.DeliveryMode.FACE_TO_FACE and appointment.room is not None:
        where = f"at {appointment.room.site.name}"
    elif mode == Appointment.DeliveryMode.TELEPHONE:
        where = "by telephone: we will call you"
    elif mode == Appointment.DeliveryMode.VIDEO:
        where = "by video"
    else:
        where = appointment.get_delivery_mode_display().lower()
    joining = ""
    if mode == Appointment.DeliveryMode.VIDEO and appointment.video_link:
        joining = f" Join the video call at {appointment.video_link}"
    return {
        "service": appointment.team.service.name,
        "when": f"{start:%A} {start.day} {start:%B} at {start:%H:%M}",
        "where": where,
        "joining": joining,
    }


def render(kind: str, values: dict[str, str]) -> str:
    text = TEMPLATES[kind]
    for key, value in values.items():
        text = text.replace(f"(({key}))", value)
    return text


def deliver(*, attendee_id: int, kind: str) -> list[Message]:
    """Send ``kind`` to one patient about one appointment, by each channel they agreed to.

    Nothing is sent about a cancelled appointment except its cancellation; no reminder for
    an appointment that has begun; a channel the patient has not agreed to is never used.
    The referral and the patient are checked again at send time: nothing at all is sent to
    a person who has died, and only a cancellation about a referral that is no longer open.
    """
    attendee = Attendee.objects.select_related(
        "patient", "referral", "appointment__room__site", "appointment__team__service"
    ).get(pk=attendee_id)
    appointment, patient = attendee.appointment, attendee.patient
    cancelling = kind in (Message.Kind.CANCELLED, Message.Kind.SERIES_CANCELLED)
    if patient.date_of_death is not None:
        return []
    if not cancelling and not attendee.referral.is_open:
        return []
    if cancelling != appointment.is_cancelled:
        return []
    if not cancelling and not attendee.live:
        return []
    if kind == Message.Kind.REMINDER and appointment.starts_at <= _now():
        return []
    channels: list[tuple[str, str]] = []
    if patient.may_text and patient.phone_mobile:
        channels.append((Message.Channel.SMS, patient.phone_mobile))
    if patient.may_email and patient.email:
        channels.append((Message.Channel.EMAIL, patient.email))
    # A channel the patient withdrew consent for in the clinical record is never used.
    from stepcare.records.selectors import refused_message_channels

    refused = refused_message_channels(patient.pk)
    channels = [(c, to) for c, to in channels if c not in refused]
    if kind == Message.Kind.REMINDER:
        done = set(
            Message.objects.filter(
                appointment=appointment, patient=patient, kind=kind, status=Message.Status.SENT
            ).values_list("channel", flat=True)
        )
        channels = [(c, to) for c, to in channels if c not in done]
    values = personalisation(attendee)
    body = render(kind, values)
    adapter = get_adapter()
    sent = []
    for channel, to in channels:
        tid = template_id(kind, channel)
        reference = f"appointment-{appointment.pk}-{patient.pk}-{kind}"
        try:
            if channel == Message.Channel.SMS:
                ref = adapter.send_sms(
                    phone_number=to, template_id=tid, personalisation=values, reference=reference
                )
            else:
                ref = adapter.send_email(
                    email_address=to, template_id=tid, personalisation=values, reference=reference
                )
        except NotificationError as exc:
            record_message(
                attendee=attendee,
                channel=channel,
                kind=kind,
                recipient=to,
                template_id=tid,
                body=body,
                status=Message.Status.FAILED,
                error=str(exc),
            )
            raise
        sent.append(
            record_message(
                attendee=attendee,
                channel=channel,
                kind=kind,
                recipient=to,
                template_id=tid,
                body=body,
                status=Message.Status.SENT,
                provider_reference=ref,
            )
        )
    return sent


def _now() -> Any:
    return timezone.now()


@transaction.atomic
def record_message(
    *,
    attendee: Attendee,
    channel: str,
    kind: str,
    recipient: str,
    template_id: str,
    body: str,
    status: str,
    provider_reference: str = "",
    error: str = "",
) -> Message:
    """Record a message sent (or that failed) against the patient's referral."""
    message = Message.objects.create(
        referral=attendee.referral,
        patient=attendee.patient,
        appointment=attendee.appointment,
        channel=channel,
        kind=kind,
        recipient=recipient,
        template_id=template_id,
        body=body,
        status=status,
        provider_reference=provider_reference,
        error=error[:300],
    )
    record(
        by=None,
        username="stepcare notifications",
        action=AuditEvent.Action.CREATE,
        patient=attendee.patient,
        obj=message,
        detail={"channel": channel, "kind": kind, "status": status},
    )
    return message

"""Behind PROXY_COUNT trusted proxies, the audit log records the client's address as the
outermost trusted proxy saw it, not the proxy's own, and not what the client claims."""

from __future__ import annotations

from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent


def test_the_audit_log_records_the_address_the_trusted_proxy_saw(
    service, client_for, patient, settings
) -> None:
    settings.AXES_IPWARE_PROXY_COUNT = 1
    client = client_for(Role.HIGH_INTENSITY_THERAPIST)
    client.get(
        reverse("patients:detail", args=[patient.pk]),
        REMOTE_ADDR="10.0.0.2",  # the proxy
        HTTP_X_FORWARDED_FOR="192.0.2.66, 198.51.100.4",  # a claimed address, then the real one
    )
    event = AuditEvent.objects.get(patient=patient, action=AuditEvent.Action.VIEW)
    assert event.ip_address == "198.51.100.4"


def test_without_a_proxy_a_forwarded_header_is_ignored(service, client_for, patient) -> None:
    client = client_for(Role.HIGH_INTENSITY_THERAPIST)
    client.get(
        reverse("patients:detail", args=[patient.pk]),
        REMOTE_ADDR="10.1.2.3",
        HTTP_X_FORWARDED_FOR="192.0.2.66",
    )
    assert AuditEvent.objects.get(patient=patient, action=AuditEvent.Action.VIEW).ip_address == "10.1.2.3"

"""Certificates' part of a resident's erasure: their papers are withdrawn and the public page stops
showing even their initials; free text naming them (revocation reasons, signer names) is redacted.

Registered from `CertificatesConfig.ready()` with `registry.rights.register_erasure_step`.
"""

from __future__ import annotations

from django.utils import timezone

from binhdan.certificates.models import Certificate
from binhdan.certificates.services import ERASURE_REASON
from binhdan.registry.redaction import redact_rows, text_fields
from binhdan.registry.rights import Erasure

ERASURE_STEP_KEY = "certificates"


def withdraw_certificates(erasure: Erasure) -> None:
    own = Certificate.objects.filter(resident=erasure.resident)
    own.filter(revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=erasure.by, revoke_reason=ERASURE_REASON
    )
    own.update(holder_erased=True, revoke_reason=ERASURE_REASON)
    fields = [f.name for f in text_fields(Certificate) if f.name != "code"]
    redact_rows(Certificate.objects.all(), erasure.traces, fields=fields)

"""Idempotent writes: a create or publish sent twice (a double click, a retried request,
twenty clients at once) happens once. API clients send an `Idempotency-Key` header; pages
send a hidden token rendered fresh in each form ({% idempotency_token %}). The same key
from the same person for the same operation within 24 hours answers with the first
response instead of writing again (`lihui.idempotency.http.idempotent`)."""

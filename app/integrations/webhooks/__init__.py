"""Webhooks for a library's partners (Standard Webhooks): `signing` (the spec's headers),
`outbox` (events written in the change's own transaction, only for subscribed libraries),
`events` (what each event carries), `delivery` (the worker: retries, backoff, disabling),
`service` and `endpoints` (staff register endpoints, rotate secrets, read and replay)."""

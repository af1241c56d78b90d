"""Open Badges 3.0: an earned badge as an `OpenBadgeCredential` (a W3C verifiable
credential, data model 2.0) signed by its library's Ed25519 key as a compact JWS (the OB
3.0 JWT proof format), with the library's issuer profile and public keys published at
stable URLs.

- `keys`: each library's signing key, derived from the server secret; JWK and Multikey;
- `credentials`: the credential of one award, and its signed form;
- `endpoints`: export (the member, or a child's guardian) and the public issuer documents.
"""

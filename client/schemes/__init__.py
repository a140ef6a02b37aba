"""Pseudonymization schemes: shared-key HMAC, OPRF through a key service, and threshold OPRF."""

"""RFC 9497 (V)OPRF for ristretto255-SHA512: the protocol behind the ``oprf`` scheme.

Private to the project: the client's ``OprfScheme`` and the key service call it; nobody else
should. ``group`` wraps libsodium, ``dleq`` proves and verifies batched evaluations,
``protocol`` holds blind / blind_evaluate / finalize, ``messages`` the key service's HTTP bodies.
"""

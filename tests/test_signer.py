"""harness.signer reproduces Deribit's published client_signature vector (register I-10)."""

from harness.signer import client_signature, signature_grant

DERIBIT_VECTOR = {"secret": "ABCD", "timestamp": 1554883365000, "nonce": "fdbmmz79", "data": "",
                  "signature": "e20c9cd5639d41f8bbc88f4d699c4baf94a4f0ee320e9a116b72743c449eb994"}


def test_deribit_published_vector():
    v = DERIBIT_VECTOR
    assert client_signature(v["secret"], v["timestamp"], v["nonce"], v["data"]) == v["signature"]


def test_the_data_field_is_signed():
    v = DERIBIT_VECTOR
    assert client_signature(v["secret"], v["timestamp"], v["nonce"], "x") != v["signature"]


def test_signature_grant_carries_every_field():
    grant = signature_grant("maker", "ABCD", timestamp=1554883365000, nonce="fdbmmz79")
    assert grant == {"grant_type": "client_signature", "client_id": "maker", "timestamp": 1554883365000,
                     "nonce": "fdbmmz79", "data": "", "signature": DERIBIT_VECTOR["signature"]}
    fresh = signature_grant("maker", "ABCD")
    assert fresh["nonce"] and fresh["timestamp"] > 1_600_000_000_000

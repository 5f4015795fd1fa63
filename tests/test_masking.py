"""harness.masking: secrets are masked by value in every string, keys included, whatever their length."""

import json

from harness import masking


def test_a_secret_is_masked_inside_longer_strings_and_keys_but_short_strings_are_left_alone():
    masking.register_secret("s3cr3t-value-123456")
    masking.register_secret("tok")  # shorter than register_secret's minimum: never registered
    record = {"params": {"note": "x s3cr3t-value-123456 y", "s3cr3t-value-123456": 1, "state": "open"},
              "list": ["s3cr3t-value-123456", 5, None], "short": "tok"}
    text = masking.masked_json(record)
    assert "s3cr3t-value-123456" not in text
    parsed = json.loads(text)
    assert parsed["params"]["note"] == "x *** y" and parsed["params"]["***"] == 1
    assert parsed["params"]["state"] == "open" and parsed["list"][0] == "***" and parsed["short"] == "tok"


def test_secrets_registered_later_and_of_every_length_are_masked():
    masking.register_secret("abcdefgh-later")
    masking.register_secret("a-much-longer-secret-registered-later-0123456789")
    text = masking.mask_text("abcdefgh-later / a-much-longer-secret-registered-later-0123456789 / abcdefgh")
    assert text == "*** / *** / abcdefgh"


def test_shape_masks_apply_without_a_known_value():
    masking.register_secret("secret")  # a known value inside a key name must not hide the query parameter's shape
    text = masking.masked_json({"h": "Bearer opaque123", "q": "a=1&client_secret=xyz", "j": "eyJhbGciOi.eyJzdWIi.sig",
                                "o": object.__new__(type("Odd", (), {"__str__": lambda self: "Bearer zzz"}))})
    assert "opaque123" not in text and "xyz" not in text and "eyJhbGciOi" not in text and "zzz" not in text


def test_a_text_masked_before_its_secret_was_known_is_masked_after_it_is():
    """mask_text remembers its results (issue #18: ~120,000 strings a run); a secret registered later must still
    be masked in a text seen before it."""
    text = "reply carries zq-late-k3y-0001 here"
    assert masking.mask_text(text) == text
    masking.register_secret("zq-late-k3y-0001")
    assert masking.mask_text(text) == "reply carries *** here"
    assert masking.mask_text(text) == "reply carries *** here", "and so on from the memo"
    long = "x" * masking.MASKED_TEXT_LIMIT + " zq-long-k3y-0002"  # past the memo's text limit: masked every time
    assert masking.mask_text(long) == long
    masking.register_secret("zq-long-k3y-0002")
    assert masking.mask_text(long).endswith(" ***")

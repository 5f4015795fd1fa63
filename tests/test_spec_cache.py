"""harness/schema.py load_yaml: the parsed spec files are kept pickled, and what comes back is always the file as it
is now (an edit, a damaged cache file or an unwritable cache never yields a stale or broken spec)."""

import yaml

from harness import schema


def parsed(path):
    return yaml.load(path.read_text(), Loader=yaml.SafeLoader)


def spec_file(tmp_path, text: str):
    """A spec file, its cache folder, and the cache entry its first load writes."""
    spec, cache = tmp_path / "spec.yaml", tmp_path / "cache"
    spec.write_text(text)
    schema.load_yaml(spec, cache=cache)
    [kept] = cache.glob("spec-*.pickle")
    return spec, cache, kept


def test_both_spec_files_come_back_equal_to_a_fresh_parse_cold_and_warm(tmp_path):
    for path in (schema.OPENAPI_PATH, schema.ASYNCAPI_PATH):
        cold = schema.load_yaml(path, cache=tmp_path)
        assert len(list(tmp_path.glob(f"{path.stem}-*.pickle"))) == 1
        warm = schema.load_yaml(path, cache=tmp_path)
        assert cold == warm == parsed(path)


def test_an_edited_file_is_parsed_anew_and_its_old_entry_dropped(tmp_path):
    spec = tmp_path / "spec.yaml"
    cache = tmp_path / "cache"
    spec.write_text("a: 1\n")
    assert schema.load_yaml(spec, cache=cache) == {"a": 1}
    spec.write_text("a: 2\n")
    assert schema.load_yaml(spec, cache=cache) == {"a": 2}
    assert len(list(cache.glob("spec-*.pickle"))) == 1


def test_the_cached_value_is_what_is_returned(tmp_path):
    """Proves the second read comes from the cache (so the other tests exercise it)."""
    spec, cache, kept = spec_file(tmp_path, "a: 1\n")
    kept.write_bytes(__import__("pickle").dumps({"from": "cache"}))
    assert schema.load_yaml(spec, cache=cache) == {"from": "cache"}


def test_a_damaged_cache_file_is_parsed_over(tmp_path):
    spec, cache, kept = spec_file(tmp_path, "a: [1, 2]\n")
    kept.write_bytes(b"\x80\x05not a pickle")
    assert schema.load_yaml(spec, cache=cache) == {"a": [1, 2]}
    kept.write_bytes(b"")
    assert schema.load_yaml(spec, cache=cache) == {"a": [1, 2]}


def test_an_unwritable_cache_still_parses(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text("a: 1\n")
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert schema.load_yaml(spec, cache=blocker / "cache") == {"a": 1}  # its parent is a file: mkdir fails


def test_switched_off_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("PULSE_SPEC_CACHE", "0")
    spec = tmp_path / "spec.yaml"
    spec.write_text("a: 1\n")
    assert schema.load_yaml(spec, cache=tmp_path / "cache") == {"a": 1}
    assert not (tmp_path / "cache").exists()

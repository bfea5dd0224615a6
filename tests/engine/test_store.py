"""The canonical weight store: checksummed manifest, all-or-nothing replacement."""

from __future__ import annotations

import pytest
import torch

from enhance.engine.errors import WeightsFormatError
from enhance.engine.weights import store

pytestmark = pytest.mark.engine


def test_write_and_read_back(tmp_path):
    tensors = {"a": torch.arange(6, dtype=torch.float16).reshape(2, 3), "b": torch.ones(4)}
    target = store.write_canonical(tmp_path, "demo", {"one.safetensors": tensors}, {"source": "test", "licence": "MIT"})
    assert target == tmp_path / "demo"
    manifest = store.read_manifest(tmp_path, "demo")
    assert manifest["source"] == "test"
    assert manifest["files"]["one.safetensors"]["sha256"] == store.sha256_file(target / "one.safetensors")
    loaded = store.load_file(tmp_path, "demo", "one.safetensors")
    assert torch.equal(loaded["a"], tensors["a"]) and loaded["a"].dtype == torch.float16
    assert store.has_files(tmp_path, "demo", ["one.safetensors"])
    assert not store.has_files(tmp_path, "demo", ["two.safetensors"])
    assert store.read_manifest(tmp_path, "absent") is None


def test_failure_midway_keeps_previous_state(tmp_path, monkeypatch):
    tmp_path = tmp_path / "w"
    store.write_canonical(tmp_path, "demo", {"one.safetensors": {"a": torch.zeros(2)}}, {"version": "1"})
    real_save = store._st_save
    calls = []

    def failing_save(tensors, path):
        calls.append(path)
        if len(calls) == 2:
            raise OSError("disk full")
        real_save(tensors, path)

    monkeypatch.setattr(store, "_st_save", failing_save)
    files = {"one.safetensors": {"a": torch.ones(2)}, "two.safetensors": {"b": torch.ones(2)}}
    with pytest.raises(OSError, match="disk full"):
        store.write_canonical(tmp_path, "demo", files, {"version": "2"})
    assert store.read_manifest(tmp_path, "demo")["version"] == "1"
    assert torch.equal(store.load_file(tmp_path, "demo", "one.safetensors")["a"], torch.zeros(2))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]


def test_replacement_and_verify(tmp_path):
    store.write_canonical(tmp_path, "demo", {"one.safetensors": {"a": torch.zeros(2)}}, {"version": "1"})
    store.write_canonical(tmp_path, "demo", {"two.safetensors": {"a": torch.ones(2)}}, {"version": "2"})
    assert sorted(p.name for p in (tmp_path / "demo").iterdir()) == ["manifest.json", "two.safetensors"]
    assert store.verify(tmp_path, "demo") == []
    (tmp_path / "demo" / "two.safetensors").write_bytes(b"garbage")
    assert store.verify(tmp_path, "demo") == ["two.safetensors"]
    with pytest.raises(WeightsFormatError, match="not a readable safetensors file"):
        store.load_file(tmp_path, "demo", "two.safetensors")


def test_bad_file_names_are_refused(tmp_path):
    with pytest.raises(WeightsFormatError):
        store.write_canonical(tmp_path, "demo", {"../x.safetensors": {"a": torch.zeros(1)}}, {})

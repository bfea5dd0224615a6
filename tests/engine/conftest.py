"""Engine tests: real weights imported once per session from the installed packages into a
temporary WEIGHTS_DIR, then reused by every test."""

from __future__ import annotations

import time

import numpy as np
import pytest

from enhance.engine import config
from enhance.engine.weights import builtin

IMPORT_SECONDS: dict[str, float] = {}


@pytest.fixture(scope="session")
def engine_weights_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("engine-weights")
    for model_id, job in builtin.IMPORTERS.items():
        started = time.perf_counter()
        job(folder)
        IMPORT_SECONDS[model_id] = time.perf_counter() - started
    return folder


@pytest.fixture
def engine(engine_weights_dir):
    """Point the engine at the session's weights for one test, then restore the defaults."""
    saved = dict(config._config)
    config.configure(weights_dir=engine_weights_dir, device="cpu")
    yield engine_weights_dir
    config._config.clear()
    config._config.update(saved)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)

"""BOPB fixtures: official-layout checkpoints written once per session from our networks with a
fixed seed, as a folder and as a zip, and one weights folder imported through the command."""

from __future__ import annotations

import shutil

import pytest
from django.core.management import call_command

from enhance.engine import config
from tests.engine.bopb.official_checkpoints import seeded_states, write_official_folder, zip_folder


@pytest.fixture(scope="session")
def official_states():
    return seeded_states(seed=1234)


@pytest.fixture(scope="session")
def official_folder(tmp_path_factory, official_states):
    # about 750 MB of checkpoints: removed at the end rather than left in pytest's kept temp dirs
    folder = write_official_folder(tmp_path_factory.mktemp("bopb-official"), official_states)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def official_zip(tmp_path_factory, official_folder):
    archive = zip_folder(official_folder, tmp_path_factory.mktemp("bopb-zip") / "global_checkpoints.zip")
    yield archive
    archive.unlink(missing_ok=True)


@pytest.fixture
def use_weights_dir():
    """Point the engine (and the management commands) at a folder for one test."""
    saved = dict(config._config)

    def use(folder):
        config.configure(weights_dir=folder, device="cpu")
        return folder

    yield use
    config._config.clear()
    config._config.update(saved)


@pytest.fixture(scope="session")
def bopb_weights_dir(tmp_path_factory, official_zip):
    """WEIGHTS_DIR holding bopb imported from the official-format zip by `import_weights bopb PATH`."""
    folder = tmp_path_factory.mktemp("bopb-weights")
    saved = dict(config._config)
    config.configure(weights_dir=folder, device="cpu")
    try:
        call_command("import_weights", "bopb", str(official_zip))
    finally:
        config._config.clear()
        config._config.update(saved)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def bopb_engine(bopb_weights_dir, use_weights_dir):
    return use_weights_dir(bopb_weights_dir)


@pytest.fixture(scope="session")
def official_face_states():
    """Full-size official-layout face checkpoints (u, v left random: these never run a network)."""
    from enhance.engine.weights.importers.bopb_faces_layout import WEIGHT_FILES as FACE_FILES
    from tests.engine.bopb.face_checkpoints import seeded_face_state

    return {spec.official: seeded_face_state(21 + i, power_iterations=0) for i, spec in enumerate(FACE_FILES)}


@pytest.fixture(scope="session")
def official_face_folder(tmp_path_factory, official_face_states):
    from tests.engine.bopb.face_checkpoints import write_official_face_folder

    folder = write_official_face_folder(tmp_path_factory.mktemp("bopb-faces-official"), official_face_states)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def official_face_zip(tmp_path_factory, official_face_folder):
    archive = zip_folder(official_face_folder, tmp_path_factory.mktemp("bopb-faces-zip") / "face_checkpoints.zip")
    yield archive
    archive.unlink(missing_ok=True)


EXACT_FACE_SEEDS = {256: 11, 512: 12}  # the seeds of the checkpoints the official generator ran with


def _import_faces(states, folder):
    from enhance.engine.weights.importers.bopb_faces import import_bopb_faces
    from tests.engine.bopb.face_checkpoints import write_official_face_folder

    archive = zip_folder(write_official_face_folder(folder / "src", states), folder / "face_checkpoints.zip")
    shutil.rmtree(folder / "src")
    import_bopb_faces(archive, folder / "weights")
    archive.unlink()
    return folder / "weights"


@pytest.fixture(scope="session")
def exact_face_weights(tmp_path_factory):
    """WEIGHTS_DIR/bopb_faces imported from the checkpoints the official expected outputs used."""
    from enhance.engine.weights.importers.bopb_faces_layout import WEIGHT_FILES as FACE_FILES
    from tests.engine.bopb.face_checkpoints import seeded_face_state

    folder = tmp_path_factory.mktemp("bopb-faces-exact")
    states = {spec.official: seeded_face_state(EXACT_FACE_SEEDS[spec.face_size]) for spec in FACE_FILES}
    yield _import_faces(states, folder)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def face_weights_dir(tmp_path_factory, official_face_states):
    """WEIGHTS_DIR/bopb_faces from quick random checkpoints: for behaviour, not for exactness."""
    folder = tmp_path_factory.mktemp("bopb-faces-weights")
    yield _import_faces(official_face_states, folder)
    shutil.rmtree(folder, ignore_errors=True)

"""python manage.py weights: every model, whether its weights are installed, and the
canonical files (source, size, sha256) from each manifest."""

from __future__ import annotations

from django.core.management.base import BaseCommand


def _size(nbytes: int) -> str:
    return f"{nbytes / 1e6:.1f} MB" if nbytes >= 1e5 else f"{nbytes / 1e3:.1f} kB"


class Command(BaseCommand):
    help = "Show which model weights are installed."

    def add_arguments(self, parser):
        parser.add_argument("--verify", action="store_true", help="recompute every file's sha256")

    def handle(self, *args, **opts):
        from enhance.engine.config import default_weights_dir
        from enhance.engine.errors import WeightsFormatError
        from enhance.engine.registry import all_pipelines
        from enhance.engine.weights import store
        from enhance.engine.weights.importers import bopb_faces_layout as faces

        weights_dir = default_weights_dir()
        self.stdout.write(f"weights folder: {weights_dir}")
        header = f"{'model':<8} {'status':<10} {'file':<34} {'size':>9}  {'sha256':<16}  source"
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        rows = [(p.spec.id, p.weights_status) for p in all_pipelines()]
        rows.append((faces.MODEL_DIR, faces.weights_status))  # a stage of bopb, with weights of its own
        for model_id, weights_status in rows:
            ready, reason = weights_status(weights_dir)
            try:
                manifest = store.read_manifest(weights_dir, model_id)
            except WeightsFormatError as exc:
                manifest, reason = None, str(exc)
            if not manifest:
                status = "on use" if ready else "missing"
                note = "imported from the installed package on first use" if ready else reason
                self.stdout.write(f"{model_id:<8} {status:<10} {'-':<34} {'-':>9}  {'-':<16}  {note}")
                continue
            bad = set(store.verify(weights_dir, model_id)) if opts["verify"] else set()
            source = (
                f"{manifest.get('source', '?')} {manifest.get('version', '')}, licence {manifest.get('licence', '?')}"
            )
            for name, entry in sorted(manifest.get("files", {}).items()):
                status = "CORRUPT" if name in bad else "installed"
                self.stdout.write(
                    f"{model_id:<8} {status:<10} {name:<34} {_size(entry.get('bytes', 0)):>9}  "
                    f"{entry.get('sha256', '')[:16]:<16}  {source}"
                )
        self._face_landmarks(faces)

    def _face_landmarks(self, faces) -> None:
        """The landmark model comes from a pip package, not WEIGHTS_DIR; its licence matters to operators."""
        path = faces.landmark_model_path()
        status = "installed" if path else "missing"
        size = _size(path.stat().st_size) if path else "-"
        state = "on" if faces.face_enhancement_enabled() else f"off ({faces.OFF_SETTING})"
        self.stdout.write(
            f"{'bopb_faces':<8} {status:<10} {faces.LANDMARK_FILE:<34} {size:>9}  {'-':<16}  "
            f"face-recognition-models, licence: {faces.LANDMARK_LICENCE}; face enhancement {state}"
        )

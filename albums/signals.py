from django.db.models.signals import post_delete

from albums.files import delete_files_on_delete
from albums.models import Photo

# Covers every path: photo delete, album delete (photos stay), account delete (cascade).
post_delete.connect(delete_files_on_delete, sender=Photo, dispatch_uid="albums.photo_files")

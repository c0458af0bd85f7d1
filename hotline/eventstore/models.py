"""The event store's own table: 存证锚点, the signed checkpoints of every stream's head."""

from __future__ import annotations

import gzip

from django.db import models


class Anchor(models.Model):
    """One checkpoint as it was signed and handed out. Append-only (the guard's triggers): an
    anchor that could be edited or dropped would prove nothing."""

    created_at = models.DateTimeField(db_index=True)
    root = models.CharField(max_length=64)
    public_key = models.CharField(max_length=64)
    counts = models.JSONField(default=dict)  # stream → how many keys anchored
    made_by = models.CharField(max_length=16)  # "daily" (the server) or "command"
    # The file's exact text, gzipped (a city's heads make tens of MB a day uncompressed), so a
    # download is byte-identical to the file handed out.
    document_gz = models.BinaryField()

    class Meta:
        ordering = ["-created_at", "-id"]

    @property
    def document(self) -> str:
        return gzip.decompress(bytes(self.document_gz)).decode("utf-8")

    def __str__(self) -> str:
        return f"anchor {self.created_at:%Y-%m-%d %H:%M} {self.root[:12]}"

# Referral content kept in parts: the manifest in ReferralContent, each item's sealed blob in
# a ReferralItem of its own, so that showing one picture reads that one item (docs/referrals.md).

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

from reclaim.referrals import ReferralError, join_container, split_container


def split_kept_containers(apps: Any, schema_editor: Any) -> None:
    """Cut each container kept whole into its sealed manifest and its items' sealed blobs.

    Nothing is decrypted (no key is needed): each container was opened and checked when it
    arrived, and the framing alone says where each part is. One container is read at a time.
    A container under 18 kept nothing (empty) and stays empty.
    """
    content_model = apps.get_model("console", "ReferralContent")
    item_model = apps.get_model("console", "ReferralItem")
    for pk in content_model.objects.order_by("pk").values_list("pk", flat=True):
        kept = content_model.objects.filter(pk=pk)
        container = bytes(kept.values_list("container", flat=True).get())
        if not container:
            continue
        try:
            parts = split_container(container)
        except ReferralError as error:
            raise RuntimeError(f"referral content {pk} cannot be cut into parts: {error}") from None
        kept.update(sealed_manifest=parts.sealed_manifest)
        for position, sealed in enumerate(parts.sealed_items):
            item_model.objects.create(content_id=pk, position=position, sealed=bytes(sealed))


def join_kept_parts(apps: Any, schema_editor: Any) -> None:
    """Put each content's parts back into one container, byte for byte as it was received."""
    content_model = apps.get_model("console", "ReferralContent")
    item_model = apps.get_model("console", "ReferralItem")
    for pk in content_model.objects.order_by("pk").values_list("pk", flat=True):
        kept = content_model.objects.filter(pk=pk)
        sealed_manifest = bytes(kept.values_list("sealed_manifest", flat=True).get())
        if not sealed_manifest:
            continue
        items = item_model.objects.filter(content_id=pk).order_by("position")
        blobs = [bytes(blob) for blob in items.values_list("sealed", flat=True)]
        kept.update(container=join_container(sealed_manifest, blobs))


class Migration(migrations.Migration):
    dependencies = [
        ("console", "0008_figures_snapshot"),
    ]

    operations = [
        migrations.AddField(
            model_name="referralcontent",
            name="sealed_manifest",
            field=models.BinaryField(default=b""),
        ),
        migrations.CreateModel(
            name="ReferralItem",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("position", models.PositiveSmallIntegerField()),
                ("sealed", models.BinaryField()),
                (
                    "content",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="items",
                        to="console.referralcontent",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("content", "position"), name="one_referral_item_per_position"
                    )
                ],
            },
        ),
        # A default, so that reversed, the column comes back empty for join_kept_parts to fill.
        migrations.AlterField(
            model_name="referralcontent",
            name="container",
            field=models.BinaryField(default=b""),
        ),
        migrations.RunPython(split_kept_containers, join_kept_parts),
        migrations.RemoveField(
            model_name="referralcontent",
            name="container",
        ),
    ]

# Every Django operation the reader knows.
from decimal import Decimal

import django.contrib.postgres.indexes
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

BACKFILL = "UPDATE shop_product SET rating = 0 WHERE rating IS NULL"


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("shop", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Review",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("body", models.TextField()),
                ("score", models.PositiveSmallIntegerField(null=True)),
                ("created", models.DateTimeField(auto_now_add=True)),
                ("product", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="reviews", to="shop.product")),
                ("tags", models.ManyToManyField(to="shop.tag")),
            ],
            options={"ordering": ("-created",)},
        ),
        migrations.AddField(
            model_name="product",
            name="rating",
            field=models.DecimalField(decimal_places=2, default=Decimal("0.00"), max_digits=4),
        ),
        migrations.AddField(
            model_name="product",
            name="owner",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name="product",
            name="name",
            field=models.CharField(max_length=400),
        ),
        migrations.RemoveField(model_name="product", name="legacy_code"),
        migrations.RenameField(model_name="product", old_name="title", new_name="headline"),
        migrations.AddIndexConcurrently(
            model_name="product",
            index=django.contrib.postgres.indexes.GinIndex(fields=["search_vector"], name="product_search_gin"),
        ),
        migrations.AddConstraint(
            model_name="product",
            constraint=models.UniqueConstraint(fields=("sku", "channel"), name="product_sku_channel"),
        ),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
        migrations.RunPython(lambda apps, schema_editor: None),
        migrations.AlterModelOptions(name="product", options={"ordering": ("name",)}),
        migrations.DeleteModel(name="OldReview"),
        migrations.RenameModel(old_name="Tag", new_name="Label"),
    ]

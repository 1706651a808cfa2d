from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0002_every_operation"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="nickname",
            field=models.CharField(default="", max_length=64),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["nickname"], name="customer_nickname_idx"),
        ),
        migrations.RemoveField(model_name="customer", name="legacy"),
    ]

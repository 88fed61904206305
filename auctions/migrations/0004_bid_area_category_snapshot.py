"""Bids keep the area and category of their resource at acceptance (the clearing reads them from the bid).

Added nullable, filled from each bid's resource (for bids stored before this migration the resource's current
values are the best record of what they were accepted with), then made non-null. Going back drops the columns,
so the backfill's reverse has nothing to do."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

AREAS = [
    ("hokkaido", "Hokkaido"), ("tohoku", "Tohoku"), ("tokyo", "Tokyo"), ("chubu", "Chubu"),
    ("hokuriku", "Hokuriku"), ("kansai", "Kansai"), ("chugoku", "Chugoku"), ("shikoku", "Shikoku"),
    ("kyushu", "Kyushu"),
]
CATEGORIES = [
    ("stable", "Stable resource"), ("variable", "Variable resource (stand-alone)"),
    ("variable_aggregate", "Variable resource (aggregated)"), ("dispatch", "Dispatch-instruction resource"),
]


def backfill(apps, schema_editor):
    """Copy each bid's resource area and category onto the bid and every one of its versions (two UPDATEs each)."""
    Bid = apps.get_model("auctions", "Bid")
    BidVersion = apps.get_model("auctions", "BidVersion")
    Resource = apps.get_model("registration", "Resource")
    resource = Resource.objects.filter(pk=OuterRef("resource_id"))
    Bid.objects.update(area=Subquery(resource.values("area")), category=Subquery(resource.values("category")))
    bid = Bid.objects.filter(pk=OuterRef("bid_id"))
    BidVersion.objects.update(area=Subquery(bid.values("area")), category=Subquery(bid.values("category")))


class Migration(migrations.Migration):

    dependencies = [
        ("auctions", "0003_bids_and_clearing"),
        ("registration", "0004_resources"),
    ]

    operations = [
        migrations.AddField(
            model_name="bid", name="area",
            field=models.CharField(choices=AREAS, max_length=20, null=True, verbose_name="area"),
        ),
        migrations.AddField(
            model_name="bid", name="category",
            field=models.CharField(choices=CATEGORIES, max_length=20, null=True, verbose_name="category"),
        ),
        migrations.AddField(
            model_name="bidversion", name="area",
            field=models.CharField(choices=AREAS, max_length=20, null=True, verbose_name="area"),
        ),
        migrations.AddField(
            model_name="bidversion", name="category",
            field=models.CharField(choices=CATEGORIES, max_length=20, null=True, verbose_name="category"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="bid", name="area",
            field=models.CharField(choices=AREAS, max_length=20, verbose_name="area"),
        ),
        migrations.AlterField(
            model_name="bid", name="category",
            field=models.CharField(choices=CATEGORIES, max_length=20, verbose_name="category"),
        ),
        migrations.AlterField(
            model_name="bidversion", name="area",
            field=models.CharField(choices=AREAS, max_length=20, verbose_name="area"),
        ),
        migrations.AlterField(
            model_name="bidversion", name="category",
            field=models.CharField(choices=CATEGORIES, max_length=20, verbose_name="category"),
        ),
    ]

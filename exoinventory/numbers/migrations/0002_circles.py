"""The telecom circles Exotel lists for an ExoPhone's `region`."""

from django.db import migrations

CIRCLES = {
    "AP": "Andhra Pradesh",
    "AS": "Assam",
    "BR": "Bihar",
    "DL": "Delhi",
    "GJ": "Gujarat",
    "HP": "Himachal Pradesh",
    "HR": "Haryana",
    "JK": "Jammu and Kashmir",
    "KA": "Karnataka",
    "KL": "Kerala",
    "KO": "Kolkata",
    "MH": "Maharashtra",
    "MP": "Madhya Pradesh",
    "MU": "Mumbai",
    "NE": "North East",
    "OR": "Orissa",
    "PB": "Punjab",
    "RJ": "Rajasthan",
    "TN": "Tamil Nadu",
    "UE": "Uttar Pradesh East",
    "UW": "Uttar Pradesh West",
    "WB": "West Bengal",
}


def add_circles(apps, schema_editor):
    Circle = apps.get_model("numbers", "Circle")
    Circle.objects.bulk_create(
        [Circle(code=code, name=name) for code, name in CIRCLES.items()], ignore_conflicts=True
    )


def remove_circles(apps, schema_editor):
    apps.get_model("numbers", "Circle").objects.filter(code__in=CIRCLES).delete()


class Migration(migrations.Migration):
    dependencies = [("numbers", "0001_initial")]
    operations = [migrations.RunPython(add_circles, remove_circles)]

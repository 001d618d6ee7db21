"""Data: classify the existing phases by their names (the workshop was found by name before)."""

from django.db import migrations

WORDS = [
    ("workshop", "workshop"),
    ("ideensammlung", "collection"),
    ("ratssitzung", "council"),
    ("ratsbeschluss", "council"),
    ("stadtrat", "council"),
    ("umsetzung", "implementation"),
]


def classify(apps, schema_editor):
    Phase = apps.get_model("participation", "Phase")
    for phase in Phase.objects.filter(kind="other"):
        name = phase.name.lower()
        kind = next((kind for word, kind in WORDS if word in name), None)
        if kind:
            Phase.objects.filter(pk=phase.pk).update(kind=kind)


class Migration(migrations.Migration):
    dependencies = [("participation", "0002_phase_kind")]

    operations = [migrations.RunPython(classify, migrations.RunPython.noop)]

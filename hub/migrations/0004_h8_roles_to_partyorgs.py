# Role and Invitation moved to the partyorgs app (they point at the registry, and the hub app is below it).
# Only Django's state changes here: the tables hub_role and hub_invitation stay, with their rows, and
# partyorgs/migrations/0002_h8_roles_invitations.py takes them over under the same names.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("hub", "0003_invitations"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Invitation"),
                migrations.DeleteModel(name="Role"),
            ],
            database_operations=[],
        ),
    ]

# Role and Invitation, moved here from the hub app (they point at the registry, and the hub app is below it).
# Only Django's state changes: the tables keep their names (Meta.db_table "hub_role" and "hub_invitation") and
# their rows, created on a fresh database by hub/migrations/0001-0003, which run before this one. The content
# types follow the models, so that admin history and permissions stay attached.

import django.db.models.deletion
import partyorgs.models
from django.conf import settings
from django.db import migrations, models

MOVED = ("role", "invitation")


def content_types_to(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def forwards(apps, schema_editor):
    content_types_to(apps, "hub", "partyorgs")


def backwards(apps, schema_editor):
    content_types_to(apps, "partyorgs", "hub")


class Migration(migrations.Migration):

    dependencies = [
        ("partyorgs", "0001_initial"),
        ("hub", "0004_h8_roles_to_partyorgs"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Invitation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('email', models.EmailField(max_length=254, verbose_name='email address')),
                        ('token', models.CharField(default=partyorgs.models._invitation_token, editable=False, max_length=64, unique=True)),
                        ('role_kind', models.CharField(choices=[('member', 'Party member'), ('organizer', 'Organizer'), ('official', 'Official'), ('merchant', 'Merchant')], max_length=20, verbose_name='role')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('expires_at', models.DateTimeField(verbose_name='expires')),
                        ('accepted_at', models.DateTimeField(blank=True, null=True, verbose_name='accepted')),
                        ('revoked_at', models.DateTimeField(blank=True, null=True, verbose_name='withdrawn')),
                        ('accepted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='accepted by')),
                        ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='invitations_sent', to=settings.AUTH_USER_MODEL, verbose_name='invited by')),
                        ('enterprise', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, to='partyorgs.enterprise', verbose_name='enterprise')),
                        ('organization', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, to='partyorgs.partyorganization', verbose_name='Party organization or branch')),
                        ('region', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, to='partyorgs.region', verbose_name='district or subdistrict')),
                    ],
                    options={
                        'verbose_name': 'invitation',
                        'verbose_name_plural': 'invitations',
                        'db_table': 'hub_invitation',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='Role',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('official', 'Official'), ('organizer', 'Organizer'), ('merchant', 'Merchant')], max_length=20, verbose_name='role')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='granted')),
                        ('enterprise', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, to='partyorgs.enterprise', verbose_name='enterprise')),
                        ('organization', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, to='partyorgs.partyorganization', verbose_name='Party organization')),
                        ('region', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, to='partyorgs.region', verbose_name='district or subdistrict')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='roles', to=settings.AUTH_USER_MODEL, verbose_name='user')),
                    ],
                    options={
                        'verbose_name': 'role',
                        'verbose_name_plural': 'roles',
                        'db_table': 'hub_role',
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('enterprise__isnull', True), ('kind', 'official'), ('organization__isnull', True), ('region__isnull', False)), models.Q(('enterprise__isnull', True), ('kind', 'organizer'), ('organization__isnull', False), ('region__isnull', True)), models.Q(('enterprise__isnull', False), ('kind', 'merchant'), ('organization__isnull', True), ('region__isnull', True)), _connector='OR'), name='role_scope_matches_kind'), models.UniqueConstraint(condition=models.Q(('kind', 'official')), fields=('user', 'kind', 'region'), name='role_unique_official'), models.UniqueConstraint(condition=models.Q(('kind', 'organizer')), fields=('user', 'kind', 'organization'), name='role_unique_organizer'), models.UniqueConstraint(condition=models.Q(('kind', 'merchant')), fields=('user', 'kind', 'enterprise'), name='role_unique_merchant')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards, elidable=True),
    ]

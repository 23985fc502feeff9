# Exotel's Heartbeat: the last heartbeat per account, and the sources of each
# connectivity run (every run before this one was observed by the sweep).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('numbers', '0011_page_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='Heartbeat',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('received_at', models.DateTimeField(help_text='When the last heartbeat arrived.')),
                ('timestamp', models.DateTimeField(help_text="Exotel's timestamp of the last heartbeat.")),
                ('status_type', models.CharField(choices=[('OK', 'OK: all healthy'), ('WARNING', 'Warning: some numbers affected'), ('CRITICAL', 'Critical: all numbers affected'), ('PAYLOAD_TOO_LARGE', 'Payload too large: a sweep was started')], max_length=32)),
                ('numbers_observed', models.PositiveIntegerField(default=0, help_text='Current numbers the last heartbeat observed.')),
                ('incoming_affected', models.PositiveIntegerField(default=0, help_text='Current numbers it reported affected for incoming calls.')),
                ('outgoing_affected', models.PositiveIntegerField(default=0, help_text='Current numbers it reported affected for outgoing calls.')),
                ('unknown_sids', models.PositiveIntegerField(default=0, help_text="Sids it named that are none of the account's current numbers.")),
                ('observed_at', models.DateTimeField(help_text='When the last heartbeat observed the numbers; empty when it could not (PAYLOAD_TOO_LARGE).', null=True)),
                ('period', models.DurationField(help_text='The gap between the last two heartbeats that observed the numbers.', null=True)),
                ('account', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='heartbeat', to='numbers.account')),
            ],
        ),
        migrations.AddField(
            model_name='connectivityrun',
            name='sources',
            field=models.CharField(blank=True, default='sweep', help_text='Who observed the run: sweep, heartbeat or both (comma-separated).', max_length=32),
            preserve_default=False,
        ),
    ]

"""History rows on the one base (core.history.HistoryEntry): one length for kinds, values as text (never cut),
oldest first, one index per record in time order. Every row is kept as it is."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('vendors', '0006_alter_organization_country'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='partnershipevent',
            options={'ordering': ['created_at', 'id']},
        ),
        migrations.RemoveIndex(
            model_name='partnershipevent',
            name='vendors_par_partner_c6a409_idx',
        ),
        migrations.AddField(
            model_name='partnershipevent',
            name='new_value',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='partnershipevent',
            name='old_value',
            field=models.TextField(blank=True),
        ),
        migrations.AlterField(
            model_name='partnershipevent',
            name='kind',
            field=models.CharField(choices=[('applied', 'Applied'), ('approved', 'Approved'), ('declined', 'Declined'), ('tier_changed', 'Tier changed'), ('suspended', 'Suspended'), ('reactivated', 'Reactivated'), ('ended', 'Ended')], max_length=32),
        ),
        migrations.AddIndex(
            model_name='partnershipevent',
            index=models.Index(fields=['partnership', 'created_at'], name='partnership_event_history_idx'),
        ),
    ]

"""History rows on the one base (core.history.HistoryEntry): one length for kinds, values as text (never cut),
oldest first, one index per record in time order. Every row is kept as it is."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('leads', '0006_alter_lead_country'),
    ]

    operations = [
        migrations.AlterField(
            model_name='leadevent',
            name='kind',
            field=models.CharField(choices=[('created', 'Created'), ('offered', 'Offered'), ('accepted', 'Accepted'), ('rejected', 'Rejected'), ('missed', 'Deadline missed'), ('recalled', 'Recalled'), ('unrouted', 'No partner matched'), ('status_changed', 'Status changed'), ('assigned', 'Assigned to a rep'), ('converted', 'Converted to a deal')], max_length=32),
        ),
        migrations.AlterField(
            model_name='leadevent',
            name='new_value',
            field=models.TextField(blank=True),
        ),
        migrations.AlterField(
            model_name='leadevent',
            name='old_value',
            field=models.TextField(blank=True),
        ),
    ]

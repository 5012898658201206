"""History rows on the one base (core.history.HistoryEntry): one length for kinds, values as text (never cut),
oldest first, one index per record in time order. Every row is kept as it is."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('deals', '0006_alter_dealregistration_customer_country'),
    ]

    operations = [
        migrations.AlterField(
            model_name='dealevent',
            name='kind',
            field=models.CharField(choices=[('created', 'Created'), ('submitted', 'Submitted'), ('resubmitted', 'Resubmitted'), ('approved', 'Approved'), ('auto_approved', 'Approved automatically'), ('rejected', 'Rejected'), ('info_requested', 'More information requested'), ('changed', 'Changed'), ('status_changed', 'Status changed'), ('attachment_added', 'Attachment added'), ('expiry_warning', 'Expiry warning'), ('expired', 'Expired'), ('extension_requested', 'Extension requested'), ('extension_granted', 'Extension granted'), ('extension_refused', 'Extension refused')], max_length=32),
        ),
    ]

"""Sign-in's beat jobs (merged into Celery's schedule at startup, portal/apps.py): the DNS check of pending domain
claims and the refresh of SAML IdPs' metadata, as often as the settings say."""

from django.conf import settings

BEAT = {
    "check-domain-txt-records": {
        "task": "identity.tasks.check_domain_txt_records",
        "schedule": settings.ONEPANE_DOMAIN_TXT_CHECK_EVERY,
    },
    "refresh-saml-metadata": {
        "task": "identity.tasks.refresh_saml_metadata",
        "schedule": settings.ONEPANE_SAML_METADATA_REFRESH_EVERY,
    },
}

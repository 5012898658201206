"""Identity: single sign-on per organization (OpenID Connect and SAML through django-allauth), verified email
domains for home-realm discovery and just-in-time provisioning, multi-factor rules, and personal API tokens."""

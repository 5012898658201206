from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person. Everyone has their own account; logins are by email, which is unique."""

    email = models.EmailField("email address", unique=True)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self):
        return self.get_full_name() or self.email

    @property
    def display_name(self):
        return self.get_full_name() or self.email

from allauth.account.adapter import DefaultAccountAdapter


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """Nobody signs up into a tenant on their own: people join by an invitation link (or, later, SSO)."""

    def is_open_for_signup(self, request):
        return False

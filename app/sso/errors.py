"""Why a sign-on is refused: each reason with its own code and a Danish sentence.

The sentences are marked for the catalogue; pages and the API say them in the reader's
language (``app.i18n.say``)."""

from __future__ import annotations

from typing import ClassVar

from app.errors import N_, ServiceError

__all__ = ["AccountDeactivated", "AssuranceTooLow", "InvalidLogout", "InvalidResponse",
           "NoAccess", "SignOnRefused", "SignOnUnavailable", "UsernameTaken", "UsernameUnusable"]


class SignOnRefused(ServiceError):
    """The identity provider's answer does not let this person in."""

    status = 403
    code = "sso_refused"
    message = N_("Du kunne ikke logges ind.")


class InvalidResponse(SignOnRefused):
    """Not a valid, fresh answer meant for Kuvert; ``reason`` says which check failed."""

    status = 401
    code = "sso_invalid_response"
    message = N_("Svaret fra kommunens login kunne ikke godkendes. Prøv at logge ind igen.")
    REASONS: ClassVar[dict[str, str]] = {
        "expired": N_("Svaret fra kommunens login er udløbet. Prøv at logge ind igen."),
        "audience": N_("Svaret fra kommunens login var ikke udstedt til Kuvert og afvises."),
        "issuer": N_("Svaret kom ikke fra den login-tjeneste, Kuvert er sat op til, og afvises."),
        "signature": N_("Svarets digitale underskrift passer ikke: det er ændret undervejs "
                        "og afvises."),
        "unsigned": N_("Svaret fra kommunens login var ikke underskrevet og afvises."),
        "replay": N_("Svaret fra kommunens login er allerede brugt én gang og afvises. "
                     "Log ind igen."),
        "state": N_("Login-forløbet passer ikke sammen (det er allerede brugt eller startet i "
                    "en anden fane). Log ind igen."),
        "provider": N_("Kommunens login afviste login. Prøv igen, eller kontakt din it-afdeling."),
        "subject": N_("Kommunens login sendte ikke, hvem du er. Kontakt din it-afdeling."),
        "username": N_("Kommunens login sendte intet brugernavn. Kontakt din it-afdeling."),
    }

    def __init__(self, reason: str = "other", why: str = "") -> None:
        super().__init__(self.REASONS.get(reason), why=why)
        self.reason = reason
        self.why = why


class NoAccess(SignOnRefused):
    code = "sso_no_access"
    message = N_("Du er logget ind hos kommunen, men ikke i en gruppe eller rolle, der giver "
                 "adgang til Kuvert. Kontakt din it-afdeling, hvis du skal have adgang.")


class AssuranceTooLow(SignOnRefused):
    code = "sso_assurance_too_low"
    message = N_("Dit login er ikke sikkert nok: Kuvert kræver sikringsniveau %(need)s (NSIS), "
                 "men du loggede ind på niveau %(got)s. Log ind igen med fx MitID.")


class AccountDeactivated(SignOnRefused):
    code = "sso_account_deactivated"
    message = N_("Din bruger er deaktiveret i Kuvert. Kontakt din it-afdeling.")


class UsernameTaken(SignOnRefused):
    code = "sso_username_taken"
    message = N_("Brugernavnet findes allerede som lokal bruger i Kuvert. En administrator skal "
                 "fjerne eller omdøbe den lokale bruger, før du kan logge ind med kommunens login.")


class UsernameUnusable(SignOnRefused):
    """The provider's username breaks the rule every Kuvert user meets
    (:func:`app.accounts.valid_username`)."""

    code = "sso_username_invalid"
    message = N_("Brugernavnet fra kommunens login kan ikke bruges i Kuvert: det skal være "
                 "1-100 tegn, bogstaver, tal og . _ - @ +, uden mellemrum. Kontakt din "
                 "it-afdeling.")


class SignOnUnavailable(SignOnRefused):
    status = 503
    code = "sso_unavailable"
    message = N_("Kommunens login svarer ikke lige nu. Prøv igen om lidt.")


class InvalidLogout(ServiceError):
    """A logout message (LogoutRequest or LogoutResponse) that is not a valid, signed message
    from the configured IdP, or not one we wait for; ``reason`` says which check failed.
    Nothing is ended on such a message."""

    status = 400
    code = "sso_invalid_logout"
    message = N_("Log-ud-beskeden fra kommunens login kunne ikke godkendes og afvises.")
    REASONS: ClassVar[dict[str, str]] = {
        "unsigned": N_("Log-ud-beskeden fra kommunens login var ikke underskrevet og afvises."),
        "signature": N_("Log-ud-beskedens digitale underskrift passer ikke: den er ændret "
                        "undervejs og afvises."),
        "issuer": N_("Log-ud-beskeden kom ikke fra den login-tjeneste, Kuvert er sat op til, "
                     "og afvises."),
        "replay": N_("Log-ud-beskeden fra kommunens login er allerede brugt én gang og afvises."),
        "state": N_("Kuvert har ikke bedt kommunens login om dette log ud (eller har allerede "
                    "fået svar), og beskeden afvises."),
        "status": N_("Kommunens login kunne ikke logge dig ud. Du er logget ud af Kuvert, men "
                     "måske ikke hos kommunens login: luk browseren for en sikkerheds skyld."),
    }

    def __init__(self, reason: str = "other", why: str = "") -> None:
        super().__init__(self.REASONS.get(reason), why=why)
        self.reason = reason
        self.why = why

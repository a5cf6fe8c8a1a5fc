"""Security headers on every response: a strict Content-Security-Policy and friends."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")


class SecurityHeaders:
    """A strict Content-Security-Policy and friends on every response.

    Embeds are the one thing another site may frame, and only the sites configured.
    """

    def __init__(self, app: ASGIApp, embed_frame_ancestors: str = "'self'") -> None:
        self.app = app
        self.embed_csp = CSP.replace("frame-ancestors 'none'",
                                     f"frame-ancestors {embed_frame_ancestors}").encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        embed = scope["path"].startswith("/embed/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                # A page with its own policy (/redoc: a nonce for its styles) keeps it.
                if not any(k == b"content-security-policy" for k, _ in headers):
                    headers.append((b"content-security-policy",
                                    self.embed_csp if embed else CSP.encode()))
                headers += [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                ]
                if not embed:
                    headers.append((b"x-frame-options", b"DENY"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)

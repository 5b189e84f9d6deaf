"""The sign-in page of the authorization endpoint: a plain HTML form (inputs `username` and
`password`) that posts the authorization request back with the credentials. Every value is
escaped; the page may not be framed (no clickjacking of the form)."""

from __future__ import annotations

from html import escape

from .httpio import HTML

HEADERS = [
    (b"content-type", HTML),
    (b"cache-control", b"no-store"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"),
    (b"referrer-policy", b"no-referrer"),
]

_STYLE = (
    "body{font-family:system-ui,sans-serif;display:flex;justify-content:center;margin-top:10vh}"
    "form{display:flex;flex-direction:column;gap:.6em;min-width:18em}"
    "input{padding:.5em;font-size:1em}button{padding:.6em;font-size:1em}.error{color:#b00020}"
)


def login_page(title: str, action: str, params: dict[str, str], username: str, error: str = "") -> bytes:
    hidden = "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
        for k, v in params.items()
        if k not in ("username", "password")
    )
    message = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    focus_user = "" if username else " autofocus"
    focus_password = " autofocus" if username else ""
    page = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in · {escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_STYLE}</style></head>'
        f'<body><form method="post" action="{escape(action)}"><h1>Sign in to {escape(title)}</h1>{message}'
        f'<label for="username">Account</label><input id="username" name="username" autocomplete="username" '
        f'value="{escape(username)}" required{focus_user}>'
        f'<label for="password">Password</label><input id="password" name="password" type="password" '
        f'autocomplete="current-password" required{focus_password}>'
        f'{hidden}<button type="submit">Sign in</button></form></body></html>'
    )
    return page.encode("utf-8")


def message_page(title: str, heading: str, text: str) -> bytes:
    page = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body><div><h1>{escape(heading)}</h1><p>{escape(text)}</p></div></body></html>"
    )
    return page.encode("utf-8")

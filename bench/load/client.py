"""An HTTP client of the portal's real pages: sign-in (password, then TOTP when the account
uses MFA), and posting the forms a page shows (CSRF token and hidden fields included)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import pyotp
import requests


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    selects: dict[str, list[str]] = field(default_factory=dict)  # name: option values


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.fields[name] = a.get("value", "y")
            elif kind not in ("submit", "button", "file"):
                self._form.fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self._form.selects[name] = []
        elif tag == "option" and self._select:
            value = a.get("value", "")
            self._form.selects[self._select].append(value)
            if "selected" in a or self._select not in self._form.fields:
                self._form.fields[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            self._form.fields[name] = ""

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms(page) -> list[Form]:
    """The forms of a page (a response): actions made absolute (empty = the page itself)."""
    parser = _FormParser()
    parser.feed(page.text)
    for form in parser.forms:
        form.action = urljoin(page.url, form.action or page.url)
    return parser.forms


def form_with(page, action_part: str) -> Form | None:
    """The first form of ``page`` whose action contains ``action_part``."""
    return next((f for f in forms(page) if action_part in f.action), None)


class SignInFailed(RuntimeError):
    pass


class Browser:
    """One signed-in person: a requests session against the bench server."""

    def __init__(self, base: str, email: str, password: str, totp: str | None = None):
        self.base, self.email, self.password, self.totp = base, email, password, totp
        self.http = requests.Session()
        self.http.headers["User-Agent"] = "flo-bench-load"

    def url(self, path: str) -> str:
        return urljoin(self.base, path)

    def get(self, path: str, **kw) -> requests.Response:
        return self.http.get(self.url(path), timeout=60, **kw)

    def post_form(self, form: Form, values: dict, referer: str = "") -> requests.Response:
        data = dict(form.fields)
        data.update(values)
        headers = {"Referer": self.url(referer)} if referer else {}
        return self.http.post(
            self.url(form.action), data=data, headers=headers, timeout=60, allow_redirects=True
        )

    def sign_in(self) -> None:
        """Through the real pages: the login form, then the TOTP form when asked."""
        page = self.get("/auth/login")
        form = form_with(page, "/auth/login")
        if form is None:
            raise SignInFailed(f"{self.email}: no sign-in form ({page.status_code})")
        resp = self.post_form(form, {"email": self.email, "password": self.password})
        if "/auth/login/verify" in resp.url:
            if not self.totp:
                raise SignInFailed(f"{self.email}: asked for a code but has no TOTP secret")
            verify = form_with(resp, "/auth/login/verify")
            resp = self.post_form(verify, {"code": pyotp.TOTP(self.totp).now()})
        if resp.status_code != 200 or "/auth/login" in resp.url:
            raise SignInFailed(f"{self.email}: sign-in ended at {resp.url} ({resp.status_code})")
        home = self.get("/dashboard")  # also takes the "signed in" flash out of the cookie
        if home.status_code != 200 or "/auth/login" in home.url:
            raise SignInFailed(f"{self.email}: dashboard answered {home.status_code} {home.url}")

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)


def flash_text(html: str) -> str:
    m = re.search(r'class="[^"]*alert[^"]*"[^>]*>(.*?)</', html, re.S)
    return re.sub(r"\s+", " ", m.group(1)).strip() if m else ""

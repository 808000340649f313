"""A counsellor at the console, over plain HTTP (what the browser does, without a browser).

The session cookie is Secure, so `requests` would not send it back over http://127.0.0.1;
browsers treat localhost as secure and do. This client keeps the cookies itself."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie
from typing import Any, Dict, Optional

import requests

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


class ConsoleClient:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.cookies: Dict[str, str] = {}
        self.csrf: Optional[str] = None

    def _keep_cookies(self, response: requests.Response) -> None:
        for header in response.raw.headers.getlist("Set-Cookie"):
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                   **kwargs.pop("headers", {})}
        response = requests.request(method, self.base_url + path, headers=headers,
                                    allow_redirects=False, timeout=30, **kwargs)
        self._keep_cookies(response)
        return response

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: Optional[Dict[str, str]] = None,
             with_csrf: bool = True, **kwargs: Any) -> requests.Response:
        form = dict(data or {})
        if with_csrf and self.csrf:
            form.setdefault("csrf_token", self.csrf)
        return self.request("POST", path, data=form, **kwargs)

    def login(self, username: str, password: str) -> requests.Response:
        form = self.get("/login")
        token = CSRF_FIELD.search(form.text).group(1)
        response = self.post("/login", {"csrf_token": token, "username": username,
                                        "password": password}, with_csrf=False)
        if response.status_code == 303:
            self.csrf = CSRF_META.search(self.get("/").text).group(1)
        return response

    def queue(self) -> Dict[str, Any]:
        response = self.get("/api/queue")
        assert response.status_code == 200, response.text
        return response.json()

    def claim(self, ticket_id: int) -> requests.Response:
        return self.post(f"/tickets/{ticket_id}/claim")

    def reply(self, ticket_id: int, text: str) -> requests.Response:
        return self.post(f"/tickets/{ticket_id}/reply", {"text": text},
                         headers={"Accept": "application/json"})

    def transcript(self, ticket_id: int, after: int = 0) -> Dict[str, Any]:
        response = self.get(f"/api/tickets/{ticket_id}/transcript", params={"after": after})
        assert response.status_code == 200, response.text
        return response.json()

    def end(self, ticket_id: int) -> requests.Response:
        return self.post(f"/tickets/{ticket_id}/end")

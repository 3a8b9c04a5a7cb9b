"""The HTML of the authorization page: log in and approve (or deny) an app, and the page
showing an out-of-band code. Autoescaped Jinja2; French or English."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, select_autoescape

WORDS = {
    "fr": {
        "title": "Autoriser une application",
        "asks": "L'application {app} demande l'accès à votre compte sur {instance}.",
        "scopes": "Autorisations demandées",
        "login": "Nom d'utilisateur ou adresse e-mail",
        "password": "Mot de passe",
        "approve": "Autoriser",
        "deny": "Refuser",
        "failed": "Identifiant ou mot de passe incorrect.",
        "pending": "Votre inscription attend l'accord d'un administrateur.",
        "locked": "Trop de tentatives échouées. Réessayez dans {minutes} min.",
        "busy": "Le serveur est très occupé. Réessayez dans un instant.",
        "code_title": "Code d'autorisation",
        "code_help": "Copiez ce code et collez-le dans l'application :",
        "denied": "Vous avez refusé l'accès à cette application.",
        "error_title": "Demande d'autorisation invalide",
    },
    "en": {
        "title": "Authorize an application",
        "asks": "The application {app} asks for access to your account on {instance}.",
        "scopes": "Permissions asked for",
        "login": "Username or e-mail address",
        "password": "Password",
        "approve": "Authorize",
        "deny": "Deny",
        "failed": "Wrong username, e-mail or password.",
        "pending": "Your sign-up is waiting for an administrator's approval.",
        "locked": "Too many failed attempts. Try again in {minutes} min.",
        "busy": "The server is busy. Try again in a moment.",
        "code_title": "Authorization code",
        "code_help": "Copy this code and paste it into the application:",
        "denied": "You denied this application access.",
        "error_title": "Invalid authorization request",
    },
}

_PAGE = """<!doctype html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{ heading }} · {{ instance }}</title>
<link rel="stylesheet" href="/static/fedlocal.css">
</head>
<body>
<main class="oauth">
<h1>{{ heading }}</h1>
{% if kind == "form" %}
<p>{{ asks }}</p>
<h2>{{ w.scopes }}</h2>
<ul class="scopes">{% for scope in scopes %}<li><code>{{ scope }}</code></li>{% endfor %}</ul>
{% if problem %}<p class="error" role="alert">{{ problem }}</p>{% endif %}
<form method="post" action="{{ action }}">
{% for name, value in hidden %}<input type="hidden" name="{{ name }}" value="{{ value }}">
{% endfor %}
<label>{{ w.login }} <input name="username" autocomplete="username" required
 value="{{ username }}"></label>
<label>{{ w.password }} <input name="password" type="password"
 autocomplete="current-password" required></label>
<button type="submit" name="decision" value="approve">{{ w.approve }}</button>
<button type="submit" name="decision" value="deny" formnovalidate>{{ w.deny }}</button>
</form>
{% elif kind == "code" %}
<p>{{ w.code_help }}</p>
<p><code id="oauth-code" class="oauth-code">{{ code }}</code></p>
<input readonly name="code" value="{{ code }}" aria-label="{{ w.code_title }}">
{% elif kind == "denied" %}
<p>{{ w.denied }}</p>
{% else %}
<p class="error" role="alert"><code>{{ error }}</code>: {{ description }}</p>
{% endif %}
</main>
</body>
</html>
"""

_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_template = _env.from_string(_PAGE)


def language(lang: str | None, accept_language: str | None, default: str) -> str:
    for candidate in [lang or "", *(accept_language or "").split(",")]:
        code = candidate.split(";")[0].strip().lower()[:2]
        if code in WORDS:
            return code
    return default if default in WORDS else "en"


def render(kind: str, lang: str, **context: Any) -> str:
    words = WORDS[lang]
    heading = {
        "form": words["title"],
        "code": words["code_title"],
        "denied": words["title"],
    }.get(kind, words["error_title"])
    asks = ""
    if kind == "form":
        asks = words["asks"].format(app=context.get("app_name", ""), instance=context["instance"])
    problem = context.pop("problem", None)
    if problem is not None:
        problem = words[problem].format(minutes=context.get("minutes"))
    return _template.render(
        kind=kind, lang=lang, w=words, heading=heading, asks=asks, problem=problem, **context
    )

"""Compiled templates shared by every app of a process (web/pages.SharedTemplateCode)."""

from __future__ import annotations

from jinja2 import DictLoader, Environment

from web.pages import SharedTemplateCode


def test_a_second_environment_reuses_the_code_and_a_changed_template_is_compiled_again(
    monkeypatch,
) -> None:
    # Given two environments sharing one cache, as two apps of a process do
    shared = SharedTemplateCode()
    sources = {"page.html": "Bonjour {{ name }}"}

    def environment() -> Environment:
        return Environment(loader=DictLoader(sources), bytecode_cache=shared, autoescape=True)

    compiled: list[str] = []
    compile_source = Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return compile_source(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(Environment, "compile", counting)

    # When the first renders the template, then the second
    first = environment().get_template("page.html").render(name="Ana")
    second = environment().get_template("page.html").render(name="Bob")

    # Then it was compiled once, and both render it
    assert (first, second) == ("Bonjour Ana", "Bonjour Bob")
    assert compiled == ["page.html"]

    # When the template's source changes, a new environment compiles it again
    sources["page.html"] = "Salut {{ name }}"
    third = environment().get_template("page.html").render(name="Ana")
    assert third == "Salut Ana"
    assert compiled == ["page.html", "page.html"]

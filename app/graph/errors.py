"""The Kuvertmodel's own errors: the library never speaks HTTP, callers map these.

Every text is Danish, marked for the catalogue with :func:`N_` and kept as a template
with its parameters, so the edge can say it in the reader's language
(``app.i18n.say``) while ``message`` stays the Danish sentence.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass

__all__ = ["NC_", "N_", "DocumentInvalid", "GraphError", "Problem", "words"]


def N_(message: str) -> str:
    """Marks a Danish text for the catalogue (``make messages``); translated where shown."""
    return message


def NC_(context: str, message: str) -> str:
    """Marks a Danish text with a context for the catalogue (``make messages`` reads
    ``NC_:1c,2``), for a text whose words also mean something else elsewhere: the
    pseudonym "Borgerforløb" names one case, the menu's "Borgerforløb" all of them.
    Said where shown with ``pgettext(context, message)``."""
    return message


def words(template: str, params: Mapping[str, object] | None = None) -> str:
    """``template`` with its ``%(name)s`` placeholders filled from ``params``.

    >>> words("Teamet «%(name)s» findes ikke.", {"name": "Syd"})
    'Teamet «Syd» findes ikke.'
    >>> words("100 % sikkert")
    '100 % sikkert'
    """
    return template % dict(params) if params else template


class GraphError(Exception):
    """Base of every error the Kuvertmodel raises.

    ``code`` is stable and machine-readable; ``template`` is the Danish text (marked
    for the catalogue) with ``%(name)s`` placeholders for ``params``; ``message`` is
    the Danish sentence, for a caseworker.
    """

    code = "graph_error"

    def __init__(self, message: str, code: str | None = None, /, **params: object) -> None:
        self.template = message
        self.params = params
        self.message = words(message, params)
        super().__init__(self.message)
        if code is not None:
            self.code = code

    def say(self, gettext: Callable[[str], str]) -> str:
        """The message in the language of ``gettext``."""
        return words(gettext(self.template), self.params)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a document, named by the field it is in.

    ``message`` is Danish; ``template`` and ``params`` (when the text has values in
    it) let :meth:`say` give it in another language.
    """

    field: str
    code: str
    message: str
    template: str = dataclasses.field(default="", compare=False, repr=False)
    params: Mapping[str, object] = dataclasses.field(default_factory=dict, compare=False,
                                                     repr=False)

    @classmethod
    def of(cls, field: str, code: str, template: str, **params: object) -> Problem:
        """A problem whose text is ``template`` filled with ``params``.

        >>> Problem.of("coordinator", "unknown_actor", "«%(key)s» findes ikke.", key="uu")
        Problem(field='coordinator', code='unknown_actor', message='«uu» findes ikke.')
        """
        return cls(field, code, words(template, params), template, params)

    def say(self, gettext: Callable[[str], str]) -> Problem:
        """The same problem with its message in the language of ``gettext``."""
        return dataclasses.replace(
            self, message=words(gettext(self.template or self.message), self.params))

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


class DocumentInvalid(GraphError):
    """A graph document broke one or more rules; every broken rule is listed."""

    code = "invalid_document"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(self.say(N_))

    def say(self, gettext: Callable[[str], str]) -> str:
        first = self.problems[0].say(gettext)
        more = len(self.problems) - 1
        return f"{first.field}: {first.message}" + (
            words(gettext(" (og %(more)s mere)"), {"more": more}) if more else "")

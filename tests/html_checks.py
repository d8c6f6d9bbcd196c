"""Reading report.html as a parser does: its tags, and the raw text of its script and style elements."""

from __future__ import annotations

from html.parser import HTMLParser


class Markup(HTMLParser):
    """Every start tag with its attributes, and the text of each script/style element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.raw_blocks: list[tuple[str, dict[str, str | None], str]] = []
        self._open: tuple[str, dict[str, str | None]] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._open = (tag, dict(attrs))
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._open:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open and tag == self._open[0]:
            self.raw_blocks.append((self._open[0], self._open[1], "".join(self._text)))
            self._open = None


def parse(text: str) -> Markup:
    parser = Markup()
    parser.feed(text)
    parser.close()
    return parser


def data_block(text: str) -> str:
    blocks = [body for tag, attrs, body in parse(text).raw_blocks if tag == "script" and attrs.get("id") == "data"]
    assert len(blocks) == 1
    return blocks[0]


class _Texts(HTMLParser):
    """The text of each ``tag`` element that carries ``attr``, by the attribute's value (nested ones included)."""

    def __init__(self, tag: str, attr: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tag, self.attr = tag, attr
        self.found: dict[str, list[str]] = {}
        self._open: list[str | None] = []  # the attribute's value (None: none) of each open ``tag``

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_data(" ")  # elements apart, as a browser lays out cells and blocks
        if tag == self.tag:
            value = dict(attrs).get(self.attr)
            self._open.append(value)
            if value is not None:
                self.found.setdefault(value, [])
                self.found[value].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == self.tag and self._open:
            self._open.pop()
        self.handle_data(" ")

    def handle_data(self, data: str) -> None:
        for value in self._open:
            if value is not None:
                self.found[value][-1] += data


def texts_by(text: str, tag: str, attr: str) -> dict[str, str]:
    """``{value of attr: the element's text}`` for every ``tag`` element with ``attr``: entities decoded, elements
    apart by a space, spaces collapsed (inline ones too: ``<b>a</b>b`` reads ``a b``); a value found twice is an
    error."""
    parser = _Texts(tag, attr)
    parser.feed(text)
    parser.close()
    duplicated = [value for value, texts in parser.found.items() if len(texts) > 1]
    assert not duplicated, f"<{tag} {attr}=...> found more than once: {duplicated}"
    return {value: " ".join(texts[0].split()) for value, texts in parser.found.items()}

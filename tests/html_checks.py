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

"""Read what a dashboard page shows: the text of every element with a data-testid."""

from dataclasses import dataclass
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SCOPES = ("data-workflow", "data-agent", "data-org", "data-pattern")


@dataclass
class Shown:
    testid: str
    scope: str
    text: str


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[dict] = []
        self.found: list[Shown] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        attrs = dict(attrs)
        scope = next((attrs[name] for name in SCOPES if name in attrs), None)
        parent_scope = self.stack[-1]["scope"] if self.stack else ""
        self.stack.append(
            {"tag": tag, "testid": attrs.get("data-testid"), "scope": scope or parent_scope, "text": []}
        )

    def handle_endtag(self, tag):
        while self.stack:
            element = self.stack.pop()
            if element["testid"]:
                text = " ".join("".join(element["text"]).split())
                self.found.append(Shown(element["testid"], element["scope"], text))
            if self.stack:
                self.stack[-1]["text"].extend(element["text"])
            if element["tag"] == tag:
                return

    def handle_data(self, data):
        if self.stack:
            self.stack[-1]["text"].append(data)


def shown(html: str) -> list[Shown]:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.found


def one(html: str, testid: str, scope: str | None = None) -> str:
    matches = [s.text for s in shown(html) if s.testid == testid and (scope is None or s.scope == scope)]
    assert len(matches) == 1, f"{testid} ({scope}): {matches}"
    return matches[0]


def number(text: str) -> int:
    return int(text.replace(",", ""))

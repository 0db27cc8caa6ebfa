"""Small ESPI feeds, written and then damaged at random (seeded), aimed at the reading rules.

Each feed has one IntervalBlock of a few readings in the shapes real files use (cost,
ReadingQuality, default namespace or a prefix, a stray reading inside another element),
then a few edits inside the block: a snippet inserted, bytes cut, a number respelled. Many
edits break the XML; the rest give every kind of reading the parser must judge alike
whichever way it reads a block.
"""

from __future__ import annotations

import random
import re

ESPI = "http://naesb.org/espi"
T0 = 1_300_000_000
_NAMES = "IntervalReading|timePeriod|duration|start|value|cost|ReadingQuality|quality"
_STRAY = (
    "<foo><IntervalReading><timePeriod><duration>900</duration><start>1300000000</start>"
    "</timePeriod><value>1</value></IntervalReading></foo>"
)
NUMBERS = ["-", " ", "1e3", ".5", "0", "", "99999999999999", "1300000000000", "1" * 32]
SNIPPETS = [
    *NUMBERS,
    "<x/>",
    "<cost>5</cost>",
    "<cost></cost>",
    "<value>7</value>",
    "<start>1300000900</start>",
    "<duration>0</duration>",
    "<ReadingQuality><quality>8</quality></ReadingQuality>",
    "<ReadingQuality/>",
    "<!-- c -->",
    "<![CDATA[5]]>",
    "&#52;",
    "&amp;",
    "<?pi x?>",
    "<IntervalReading><timePeriod><duration>900</duration><start>1300001800</start>"
    "</timePeriod><value>3</value></IntervalReading>",
    'a="1"',
    "IntervalReading",
    f"<e:value xmlns:e='{ESPI}'>4</e:value>",
    "<q:value>4</q:value>",
    "<value/>",
    "</value>",
    "<IntervalReading/>",
    "\u00b2",
    "\u0663",
    "x",
    "\r\n",
    "<timePeriod/>",
]


def _reading(rng: random.Random) -> str:
    parts = []
    if rng.random() < 0.4:
        parts.append(f"<cost>{rng.randint(0, 99999)}</cost>")
    if rng.random() < 0.3:
        code = rng.choice([8, 17, 14, 99, 9])
        parts.append(f"<ReadingQuality><quality>{code}</quality></ReadingQuality>")
    duration = f"<duration>{rng.choice([900, 3600])}</duration>"
    start = f"<start>{T0 + 900 * rng.randint(0, 60)}</start>"
    parts.append(f"<timePeriod>\n  {duration}\n  {start}\n</timePeriod>")
    parts.append(f"<value>{rng.randint(0, 5000)}</value>")
    return "<IntervalReading>\n" + "\n".join(parts) + "\n</IntervalReading>\n"


def _feed(body: str, prefix: str, stray: str) -> str:
    p = f"{prefix}:" if prefix else ""
    ns = f'xmlns:{prefix}="{ESPI}"' if prefix else f'xmlns="{ESPI}"'
    if prefix:
        body = re.sub(f"<(/?)({_NAMES})>", lambda m: f"<{m.group(1)}{p}{m.group(2)}>", body)
    return (
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        f'<entry><link rel="self" href="/UP/1"/><content><{p}UsagePoint {ns}/></content></entry>'
        f'<entry><link rel="self" href="/UP/1/MR/1"/><content><{p}MeterReading {ns}/></content>'
        "</entry>"
        f'<entry><link rel="self" href="/UP/1/MR/1/ReadingType/1"/><content><{p}ReadingType {ns}>'
        f"<{p}intervalLength>900</{p}intervalLength><{p}defaultQuality>14</{p}defaultQuality>"
        f"</{p}ReadingType></content></entry>"
        '<entry><link rel="self" href="/UP/1/MR/1/IntervalBlock/1"/>'
        f'<link rel="up" href="/UP/1/MR/1/IntervalBlock"/><content><{p}IntervalBlock {ns}>'
        f"<{p}interval><{p}duration>86400</{p}duration><{p}start>{T0}</{p}start></{p}interval>"
        f"{stray}{body}</{p}IntervalBlock></content></entry></feed>"
    )


def mutated_feeds(seed: int, count: int) -> list[bytes]:
    rng = random.Random(seed)
    feeds = []
    for _ in range(count):
        body = "".join(_reading(rng) for _ in range(rng.randint(1, 12)))
        prefix = rng.choice(["", "", "espi", "ns0"])
        text = _feed(body, prefix, rng.choice(["", "", _STRAY]))
        for _ in range(rng.randint(0, 3)):
            at = rng.randint(text.find("IntervalBlock"), len(text) - 1)
            action = rng.random()
            if action < 0.5:
                text = text[:at] + rng.choice(SNIPPETS) + text[at:]
            elif action < 0.8:
                text = text[:at] + text[at + rng.randint(1, 12) :]
            else:
                numbers = list(re.finditer(r">([0-9]+)<", text))
                if numbers:
                    hit = rng.choice(numbers)
                    digits = hit.group(1)
                    spelled = rng.choice([*NUMBERS, digits + "0", " " + digits])
                    text = text[: hit.start(1)] + spelled + text[hit.end(1) :]
        feeds.append(text.encode("utf-8", "surrogatepass"))
    return feeds

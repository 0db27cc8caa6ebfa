"""Read /metrics as Prometheus does: parsed by prometheus_client's own parser, not matched as
strings, so a test sees exactly the samples a scraper would store."""

from __future__ import annotations

from collections.abc import Mapping

import httpx
from prometheus_client.parser import text_string_to_metric_families

Key = tuple[str, frozenset[tuple[str, str]]]


class Samples(dict[Key, float]):
    def get_value(self, name: str, **labels: str) -> float:
        """The sample's value, 0 when absent (a counter not yet incremented has no series)."""
        return self.get((name, frozenset(labels.items())), 0.0)

    def label_values(self, label: str) -> set[str]:
        return {value for _, labels in self for name, value in labels if name == label}


def parse(text: str) -> Samples:
    samples = Samples()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


async def scrape(api: httpx.AsyncClient, headers: Mapping[str, str] | None = None) -> Samples:
    response = await api.get("/metrics", headers=dict(headers or {}))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return parse(response.text)


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return after.get_value(name, **labels) - before.get_value(name, **labels)

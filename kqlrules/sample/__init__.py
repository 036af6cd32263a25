"""kqlrules.sample: a deterministic week of the small tenant "contoso", with attack stories and look-alikes,
written as a local workspace folder (`<Table>.jsonl`)."""

from kqlrules.sample.generate import DEFAULT_DAYS, DEFAULT_SEED, GeneratedTenant, generate
from kqlrules.sample.scoring import DetectionScore, matches, read_manifest, score
from kqlrules.sample.stories import Story
from kqlrules.sample.timeline import DEFAULT_START, SampleError

__all__ = [
    "DEFAULT_DAYS",
    "DEFAULT_SEED",
    "DEFAULT_START",
    "DetectionScore",
    "GeneratedTenant",
    "SampleError",
    "Story",
    "generate",
    "matches",
    "read_manifest",
    "score",
]

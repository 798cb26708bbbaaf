"""Loose matching of the kelurahan and RW a citizen types: 'kel. ketintang rw 03'.

Kelurahan names repeat across kecamatan (Wonorejo is in Rungkut and in Tegalsari), so a
match is exact only when one candidate is clearly meant; otherwise the caller offers a
numbered choice. Matching compares names with spaces removed ('Kali Rungkut' is
'Kalirungkut') and tolerates a small Damerau-Levenshtein typo distance.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

__all__ = [
    "PlaceCandidate",
    "PlaceMatch",
    "RwReference",
    "match_kelurahan",
    "normalize_place",
    "parse_rw_reference",
]

_PREFIXES = frozenset({"kel", "kelurahan", "desa"})
# Words that only label a region; dropped anywhere in a query ('wonorejo kec. rungkut').
_MARKERS = _PREFIXES | {"kec", "kecamatan"}
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
# 'RW 3', 'rw03', 'RW.3', 'R.W. 3', 'rw:3'; not the 'rw' inside a word such as 'darwo'.
_RW = re.compile(r"(?<![a-z0-9])r\s?\.?\s?w(?![a-z])[\s.:#\-]*(\d{1,3})(?!\d)", re.IGNORECASE)
_RT = re.compile(r"(?<![a-z0-9])r\s?\.?\s?t(?![a-z])[\s.:#\-]*\d{1,3}(?!\d)", re.IGNORECASE)

_SHORT_NAME = 6  # names up to this many letters tolerate 1 typo, longer ones 2
_DISTANCE_CAP = 4  # distances are only needed up to here (2 typos + a clear margin)
_CLEAR_MARGIN = 2  # a typo match must beat the runner-up by this much to be exact
_MAX_QUERY = 64  # longer than any kelurahan + kecamatan: a message, not a place name
_MIN_FUZZY_QUERY = 3  # shorter queries match exactly or not at all
_MIN_SIMILARITY = 0.6  # below this a candidate is not "remotely close"
_MIN_CONTAINED_WORD = 4  # a query (word) this long found inside a name earns a bonus
_CONTAINS_BONUS = 0.3


@dataclass(frozen=True, slots=True)
class RwReference:
    """A parsed '<kelurahan> RW <n>'; place_text is normalised and may be empty."""

    place_text: str
    rw: int


@dataclass(frozen=True, slots=True)
class PlaceCandidate:
    """A kelurahan the citizen may mean, with its kecamatan to tell twins apart."""

    id: int
    name: str
    kecamatan: str


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    """`exact` when one candidate is clearly meant (then choices == [exact])."""

    exact: PlaceCandidate | None
    choices: list[PlaceCandidate]


@dataclass(slots=True)
class _Score:
    candidate: PlaceCandidate
    distance: int  # capped at _DISTANCE_CAP
    within: bool  # the distance is within the typo tolerance of the form it matched
    similarity: float = 0.0  # filled in only when the caller needs choices


def normalize_place(text: str) -> str:
    """Lowercase, strip accents and punctuation, drop 'kel.'/'kelurahan'/'desa' prefixes."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = _NON_ALNUM.sub(" ", plain.casefold()).split()
    while words and words[0] in _PREFIXES:
        words.pop(0)
    return " ".join(words)


def parse_rw_reference(text: str) -> RwReference | None:
    """Parse 'Ketintang RW 3', 'RW 03 kel. Ketintang' and the like; None without an RW."""
    text = unicodedata.normalize("NFKC", text)  # full-width 'ＲＷ３' from some keyboards
    found = _RW.search(text)
    if found is None:
        return None
    rw = int(found.group(1))
    if rw == 0:
        return None
    rest = text[: found.start()] + " " + text[found.end() :]
    rest = _RT.sub(" ", rest)
    return RwReference(place_text=normalize_place(rest), rw=rw)


@lru_cache(maxsize=4096)
def _compact(text: str) -> str:
    return normalize_place(text).replace(" ", "")


def _tolerance(form: str) -> int:
    return 1 if len(form) <= _SHORT_NAME else 2


def _osa_distance(a: str, b: str, cap: int) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, cut off at `cap`."""
    if a == b:
        return 0
    if abs(len(a) - len(b)) >= cap:
        return cap
    before: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            best = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                best = min(best, before[j - 2] + 1)
            cur[j] = best
        if min(cur) >= cap:  # no later row can come back under the cap
            return cap
        before, prev = prev, cur
    return min(prev[-1], cap)


def _forms(candidate: PlaceCandidate) -> tuple[str, str, str]:
    """The candidate's name alone and qualified by its kecamatan, either way round."""
    name, kecamatan = _compact(candidate.name), _compact(candidate.kecamatan)
    return name, name + kecamatan, kecamatan + name


def _distance(query: str, candidate: PlaceCandidate) -> tuple[int, bool]:
    """Smallest typo distance over the forms, and whether it is within tolerance."""
    distance, within = _DISTANCE_CAP, False
    for form in _forms(candidate):
        d = _osa_distance(query, form, _DISTANCE_CAP)
        distance = min(distance, d)
        within = within or d <= _tolerance(form)
    return distance, within


def _similarity(
    matcher: SequenceMatcher[str], words: list[str], candidate: PlaceCandidate
) -> float:
    """difflib ratio against the closest form, plus a bonus when the query is in the name."""
    similarity = 0.0
    for form in _forms(candidate):
        matcher.set_seq1(form)
        # quick_ratio is a cheap upper bound; skip the real ratio when it cannot matter.
        if matcher.quick_ratio() > similarity:
            similarity = max(similarity, matcher.ratio())
    name = _compact(candidate.name)
    query = matcher.b
    if len(query) >= _MIN_CONTAINED_WORD and query in name:  # 'tambak oso' in 'Tambak Oso ...'
        similarity += _CONTAINS_BONUS
    elif any(len(w) >= _MIN_CONTAINED_WORD and w in name for w in words):
        similarity += _CONTAINS_BONUS / 2
    return similarity


def _rank(score: _Score) -> tuple[bool, int, float]:
    """Typo matches first, nearest first; then the rest by similarity."""
    return (not score.within, score.distance if score.within else 0, -score.similarity)


def _closest(key: str, words: list[str], scores: list[_Score], limit: int) -> list[PlaceCandidate]:
    """Up to `limit` candidates remotely close to the query, best first."""
    matcher: SequenceMatcher[str] = SequenceMatcher(None, b=key)
    for score in scores:
        score.similarity = _similarity(matcher, words, score.candidate)
    close = [s for s in scores if s.within or s.similarity >= _MIN_SIMILARITY]
    close.sort(key=_rank)
    return [s.candidate for s in close[:limit]]


def match_kelurahan(query: str, candidates: Sequence[PlaceCandidate], limit: int = 5) -> PlaceMatch:
    """Find the kelurahan a citizen typed; exact only when one candidate is clearly meant."""
    words = [w for w in normalize_place(query).split() if w not in _MARKERS]
    key = "".join(words)
    if not key or len(key) > _MAX_QUERY or not candidates:
        return PlaceMatch(exact=None, choices=[])
    # Distance 0 is equality: find exact names first, before any typo distance is computed.
    identical = [c for c in candidates if key in _forms(c)]
    if len(identical) == 1:
        return PlaceMatch(exact=identical[0], choices=identical)
    if identical:  # the same name in several kecamatan: let the citizen pick
        return PlaceMatch(exact=None, choices=identical[:limit])
    scores = [_Score(c, *_distance(key, c)) for c in candidates]
    scores.sort(key=lambda s: (not s.within, s.distance))
    best = scores[0]
    runner_up = min((s.distance for s in scores[1:]), default=_DISTANCE_CAP + _CLEAR_MARGIN)
    clear = runner_up >= best.distance + _CLEAR_MARGIN
    if best.within and clear and len(key) >= _MIN_FUZZY_QUERY:
        return PlaceMatch(exact=best.candidate, choices=[best.candidate])
    return PlaceMatch(exact=None, choices=_closest(key, words, scores, limit))

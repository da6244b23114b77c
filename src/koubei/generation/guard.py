"""The guard: one call that checks a text before a team publishes it, and the machine-generated label.

`check(text, attributes, evidence, references)` runs every check of `koubei.generation` and returns exactly
`{"passed": bool, "flags": [{"kind", "start", "end", "span", "rule", "suggestion"}]}` (`GuardResult.to_dict()`):
- `ad_law`: absolute / forbidden claims (`adlaw`);  `bias`: discriminatory or stereotyping wording (`bias`);
- `pii`: personal data (`koubei.text.pii`, the masker ingest uses, so the guard and the store agree);
- `copied`: a long verbatim span of the references (the training copy or given texts; `copying`);
- `contradiction` / `unsupported`: claims against the attributes and evidence (`grounding`; only when given);
- `fake_review`: a request for fake reviews, or copy that poses as a buyer (`fake_review`).
Any flag fails the text: each one is something a reviewer must fix or consciously accept. The claims with their
sources ride along on the result (`claims`) but stay out of `to_dict()`, whose shape the CLI and API promise.

A text over `max_chars` (default 100,000: a product page, not a book) is refused with a message naming the limit:
the grounding check segments every clause, and a 1 MB paste is a mistake, not copy. `koubei copy check` and
`--input/--output` batches are thin shells over `Guard.check`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from koubei.errors import BadInputError
from koubei.generation.adlaw import AdLawRules
from koubei.generation.bias import BiasRules
from koubei.generation.copying import CopyConfig, CopyIndex
from koubei.generation.fake_review import fake_review_flags
from koubei.generation.flags import Flag, has_cjk
from koubei.generation.grounding import Claim, Evidence, Grounder, GroundingConfig
from koubei.results import Result
from koubei.text.pii import mask_pii

CHECKS = ("ad_law", "bias", "pii", "copied", "grounding", "fake_review")
LABEL_MODES = ("metadata", "text", "both")
_PII_NAMES = {
    "phone": ("电话号码", "phone number"),
    "email": ("电子邮箱", "e-mail address"),
    "id_number": ("身份证号", "ID number"),
    "bank_card": ("银行卡号", "bank card number"),
    "url": ("带凭据的链接", "URL with credentials"),
    "address": ("地址", "address"),
    "name": ("姓名", "name"),
    "wechat": ("微信号", "WeChat id"),
    "qq": ("QQ号", "QQ number"),
}


@dataclass(frozen=True)
class LabelConfig:
    """How generated text says it is machine-generated (《人工智能生成合成内容标识办法》, 2025; EU AI Act art. 50)."""

    mode: str = (
        "metadata"  # metadata: a label record beside the text | text: the label inside the text | both
    )
    text_zh: str = "（本内容由AI生成）"
    text_en: str = "(AI-generated)"
    position: str = "suffix"  # suffix | prefix (mode text/both)
    generator: str = "koubei"

    def __post_init__(self) -> None:
        if self.mode not in LABEL_MODES:
            raise BadInputError(f"label mode {self.mode!r} is not one of {', '.join(LABEL_MODES)}")
        if self.position not in ("suffix", "prefix"):
            raise BadInputError(f"label position {self.position!r} is not one of suffix, prefix")


@dataclass(frozen=True)
class GuardConfig:
    checks: tuple[str, ...] = CHECKS  # which checks run
    max_chars: int = 100_000  # longer texts are refused with a message naming this limit
    ad_law_path: str | None = None  # edited copies of the data files (None: the bundled ones)
    bias_path: str | None = None
    copy: CopyConfig = field(default_factory=CopyConfig)
    grounding: GroundingConfig = field(default_factory=GroundingConfig)
    label: LabelConfig = field(default_factory=LabelConfig)

    def __post_init__(self) -> None:
        unknown = [c for c in self.checks if c not in CHECKS]
        if unknown:
            raise BadInputError(f"guard checks {unknown} are unknown; choose from {', '.join(CHECKS)}")
        if self.max_chars < 1:
            raise BadInputError(f"guard max_chars={self.max_chars} must be at least 1")


@dataclass
class GuardResult(Result):
    """`to_dict()` is exactly {"passed", "flags"}; `claims` (with their sources) are for callers that want them."""

    passed: bool
    flags: list[Flag]
    claims: list[Claim] = field(default_factory=list, repr=False)


@dataclass
class LabeledText(Result):
    text: str
    label: dict[str, Any]


class Guard:
    """The loaded checks (rule files, vocabulary); build once, check many texts."""

    def __init__(self, config: GuardConfig | None = None) -> None:
        self.config = config or GuardConfig()
        self.ad_law = AdLawRules.load(self.config.ad_law_path)
        self.bias = BiasRules.load(self.config.bias_path)
        self.grounder = Grounder(self.config.grounding)

    def check(
        self,
        text: Any,
        attributes: Mapping[str, Any] | str | None = None,
        evidence: Sequence[Evidence | Mapping[str, Any] | str] | None = None,
        references: Sequence[str] | CopyIndex | None = None,
    ) -> GuardResult:
        """Flags of `text`; grounding runs when attributes or evidence are given, `copied` when references are."""
        if not isinstance(text, str):
            raise BadInputError(f"text to check must be a string; got {type(text).__name__}")
        if len(text) > self.config.max_chars:
            raise BadInputError(
                f"text to check is {len(text):,} characters; the guard checks at most {self.config.max_chars:,} "
                "(GuardConfig.max_chars): split it into pieces or raise the limit"
            )
        checks = set(self.config.checks)
        flags: list[Flag] = []
        claims: list[Claim] = []
        if "ad_law" in checks:
            flags += self.ad_law.find(text)
        if "bias" in checks:
            flags += self.bias.find(text)
        if "pii" in checks:
            flags += pii_flags(text)
        if "fake_review" in checks:
            flags += fake_review_flags(text)
        if "copied" in checks and references is not None:
            index = (
                references
                if isinstance(references, CopyIndex)
                else CopyIndex.build(list(references), config=self.config.copy)
            )
            flags += index.flags(text)
        if "grounding" in checks and (attributes or evidence):
            grounded = self.grounder.ground(text, attributes, evidence)
            flags += grounded.flags
            claims = grounded.claims
        flags.sort(key=lambda f: (f.start, f.end, f.kind))
        return GuardResult(not flags, flags, claims)

    def label(self, text: str) -> LabeledText:
        return label_text(text, self.config.label)


def pii_flags(text: str) -> list[Flag]:
    """`pii` flags where the masker finds personal data (phone, e-mail, ID, card, address, name)."""
    out = []
    for span in mask_pii(text).spans:
        zh_name, en_name = _PII_NAMES.get(span.kind, (span.kind, span.kind))
        if has_cjk(text[max(0, span.start - 10) : span.end + 10]):
            rule, tip = (
                f"含个人信息（{zh_name}）：《个人信息保护法》要求处理个人信息须有合法依据",
                "删去，或用占位符代替",
            )
        else:
            rule, tip = (
                f"contains personal data ({en_name}): publishing it needs a legal basis (GDPR art. 6)",
                "remove it",
            )
        out.append(Flag("pii", span.start, span.end, text[span.start : span.end], rule, tip))
    return out


def label_text(text: str, config: LabelConfig | None = None, lang: str | None = None) -> LabeledText:
    """The text with its machine-generated label (in the text, beside it as metadata, or both)."""
    config = config or LabelConfig()
    lang = lang or ("zh" if has_cjk(text) else "en")
    label = config.text_zh if lang == "zh" else config.text_en
    out = text
    if config.mode in ("text", "both") and label not in text:
        joiner = "" if lang == "zh" else " "
        out = f"{label}{joiner}{text}" if config.position == "prefix" else f"{text}{joiner}{label}"
    meta = {
        "machine_generated": True,
        "generator": config.generator,
        "label": label,
        "in_text": config.mode != "metadata",
    }
    return LabeledText(out, meta)


@lru_cache(maxsize=8)
def _guard(config: GuardConfig) -> Guard:
    return Guard(config)


def check(
    text: Any,
    attributes: Mapping[str, Any] | str | None = None,
    evidence: Sequence[Evidence | Mapping[str, Any] | str] | None = None,
    references: Sequence[str] | CopyIndex | None = None,
    config: GuardConfig | None = None,
) -> GuardResult:
    """Check one text (see the module docstring); the checks' data are loaded once per config."""
    return _guard(config or GuardConfig()).check(text, attributes, evidence, references)

"""Text utilities every part of koubei shares: normalization, PII masking, language detection."""

from koubei.text.lang import detect_lang
from koubei.text.normalize import normalize_text
from koubei.text.pii import MaskResult, PiiSpan, mask_pii

__all__ = ["MaskResult", "PiiSpan", "detect_lang", "mask_pii", "normalize_text"]

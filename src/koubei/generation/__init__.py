"""Marketing content that is true, legal and grounded in real word of mouth: copy, replies, summaries and guards.

Deterministic, CPU-light pieces (each computes on what it is handed; `koubei.pipelines` joins them with the store):
- `sentences`: the Chinese + English sentence splitter with offsets (works on unpunctuated Chinese);
- `adlaw`: absolute / forbidden advertising claims with the rule they break and the SAMR 2023 exemptions (data:
  `data/ad_law.json`);  `bias`: discriminatory or stereotyping expressions (data: `data/bias.json`);
- `copying`: a shingle index that finds long verbatim spans of a reference corpus (`copied`);
- `grounding`: the one support check: each claim -> the attribute key or evidence id it rests on, unsupported
  numbers and features, contradictions with the attributes (data: `data/values.json`);
- `fake_review`: refusal of requests to write customer reviews or testimonials;
- `guard`: `check(...)` combining all of the above into `{"passed", "flags"}`, and the machine-generated label;
- `summarize`: extractive review summaries (verdict, pros and cons per aspect, with review ids).
"""

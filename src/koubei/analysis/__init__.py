"""Voice of the customer: review polarity, aspect-level sentiment, explanations and aggregates.

Packages and shared modules (one concept each; heavy libraries are imported inside functions):
- `sentiment/`: polarity models (fast, transfer, distilled), explanations, and `kinds` to build or load any of them;
- `aspects/`: taxonomy + lexicon, clauses, the rule-based analyser, the supervised aspect model and its data;
- `input_check`: the defined answer for bad input (empty, too long, emoji-only, HTML, unknown language, mixed
  scripts), shared by every sentiment and aspect model;
- `ngrams`: vectorized TF-IDF over character n-grams (features of the fast model and the aspect model);
- `labels`: the label vocabulary and conversions;
- `aggregate`: per product / category / brand / week figures for the dashboard.
Everything here computes on what it is handed; reading and writing the store is `koubei.store.analysis`.
"""

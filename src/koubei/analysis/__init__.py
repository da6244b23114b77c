"""Voice of the customer: review polarity, aspect-level sentiment, explanations and aggregates.

Modules (one concept each; heavy libraries are imported inside functions):
- `guard`: the defined answer for bad input (empty, too long, emoji-only, HTML, unknown language, mixed scripts);
- `ngrams`: vectorized TF-IDF over character n-grams (the fast model's features);
- `fast`: the fast polarity model (calibrated linear classifier, star-rating regressor);
- `neural`, `transfer`, `distill`: the fine-tuned koubei LM and its distilled student;
- `models`: build / load any polarity model kind;
- `explain`: word/phrase contributions as character spans;
- `taxonomy`, `clauses`, `aspects`: editable aspect taxonomy + lexicon, clause-level sentiment, rule-based aspects;
- `aspect_model`: the supervised aspect model (absa / asap style data);
- `aggregate`: per product / category / brand / week figures for the dashboard.
Everything here computes on what it is handed; reading and writing the store is `koubei.store.analysis`.
"""

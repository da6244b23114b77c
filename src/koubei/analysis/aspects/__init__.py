"""Aspect-level sentiment: the editable taxonomy and lexicon, clause splitting, the rule-based analyser and the
supervised aspect model with the labelled data it trains on."""

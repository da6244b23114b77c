"""Review polarity: the fast model (char n-grams + linear), the fine-tuned koubei LM and its distilled student,
explanations, and one entry point (`kinds`) that builds or loads any of them."""

"""Word of mouth on the social graph: graphs, share cascades, diffusion, learned probabilities, seeding, index, alerts.

Pure computation on what it is handed (graphs, share records, review records); the store adapter is
`koubei.store.social` and the use cases joining both are in `koubei.pipelines.wom`.

- `graph`: `SocialGraph` (CSR arrays) from edge rows, store rows or networkx (files are read by
  `koubei.ingest.graphs`).
- `cascades`: cascade reconstruction and metrics (structural virality), the transmission graph, share rows.
- `diffusion`, `competing`: IC / LT Monte-Carlo with CIs (cynetdiff), positive-vs-negative competing IC.
- `learning`: Saito et al. (2008) EM for IC probabilities, held-out evaluation.
- `rrsets`, `imm`, `baselines`: IMM (Tang et al. 2015) and degree / PageRank / VoteRank / CELF baselines.
- `wom_index`, `alerts`: word-of-mouth index and negative-burst alerts.
"""

from koubei.social.graph import SocialGraph, from_edge_rows

__all__ = ["SocialGraph", "from_edge_rows"]

"""User profiles and what is built on them: per-user features (`features`), customer value (`value`), segments
(`segments`), pseudonymous ids (`privacy`) and the distribution of protected attributes (`fairness`).

Everything here computes on records it is handed (the store is read by `koubei.store.profiles`, the flows live in
`koubei.pipelines.profiles`); nothing here touches the database or the disk except an estimator's save/load.
"""

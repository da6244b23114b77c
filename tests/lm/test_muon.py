"""Muon + AdamW: orthogonalisation, a hand-checked AdamW step, and that a checkpointed state resumes exactly."""

from __future__ import annotations

import pytest
import torch

from koubei.lm.muon import MuonAdamW, orthogonalize


@pytest.mark.parametrize("shape", [(8, 32), (32, 8), (16, 16)])
def test_orthogonalize_flattens_the_singular_values(shape: tuple[int, int]) -> None:
    torch.manual_seed(0)
    g = torch.randn(*shape) * 3.0
    s = torch.linalg.svdvals(orthogonalize(g))
    assert (
        s.min() > 0.5 and s.max() < 1.3
    )  # the quintic iteration's band (~0.7-1.2), whatever the input's scale
    spread_in = torch.linalg.svdvals(g).max() / torch.linalg.svdvals(g).min()
    assert s.max() / s.min() < min(2.0, float(spread_in))


def test_adamw_groups_match_torch_adamw() -> None:
    torch.manual_seed(0)
    a = torch.nn.Parameter(torch.randn(5))
    b = torch.nn.Parameter(a.detach().clone())
    ours = MuonAdamW([{"params": [a], "weight_decay": 0.1}], lr=0.01)
    ref = torch.optim.AdamW([b], lr=0.01, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1)
    for step in range(3):
        grad = torch.randn(5, generator=torch.Generator().manual_seed(step))
        a.grad, b.grad = grad.clone(), grad.clone()
        ours.step()
        ref.step()
    torch.testing.assert_close(a, b)


def test_muon_step_is_the_scaled_orthogonalised_momentum() -> None:
    w = torch.nn.Parameter(torch.zeros(4, 2))
    opt = MuonAdamW([{"params": [w], "algorithm": "muon"}], lr=0.1, momentum=0.5)
    g = torch.tensor([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0], [0.0, 0.0]])
    w.grad = g.clone()
    opt.step()
    # buffer = 0.5 * g; Nesterov update = g lerp buffer by 0.5 = 0.75 g; scale sqrt(4 / 2) for a tall matrix.
    expected = -0.1 * (2**0.5) * orthogonalize(0.75 * g)
    torch.testing.assert_close(w.detach(), expected)


def test_state_dict_round_trip_continues_identically() -> None:
    def make() -> tuple[torch.nn.Linear, MuonAdamW]:
        torch.manual_seed(0)
        lin = torch.nn.Linear(6, 4)
        opt = MuonAdamW(
            [{"params": [lin.weight], "algorithm": "muon"}, {"params": [lin.bias], "algorithm": "adamw"}],
            lr=0.01,
        )
        return lin, opt

    x = torch.randn(16, 6, generator=torch.Generator().manual_seed(1))

    def step(lin: torch.nn.Linear, opt: MuonAdamW) -> None:
        opt.zero_grad()
        lin(x).pow(2).mean().backward()
        opt.step()

    lin1, opt1 = make()
    for _ in range(4):
        step(lin1, opt1)
    lin2, opt2 = make()
    for _ in range(2):
        step(lin2, opt2)
    saved_w, saved_opt = {k: v.clone() for k, v in lin2.state_dict().items()}, opt2.state_dict()
    lin3, opt3 = make()
    lin3.load_state_dict(saved_w)
    opt3.load_state_dict(saved_opt)
    for _ in range(2):
        step(lin3, opt3)
    torch.testing.assert_close(lin3.weight, lin1.weight)
    torch.testing.assert_close(lin3.bias, lin1.bias)


def test_bad_groups_are_refused() -> None:
    with pytest.raises(ValueError, match="2-D"):
        MuonAdamW([{"params": [torch.nn.Parameter(torch.zeros(3))], "algorithm": "muon"}])
    with pytest.raises(ValueError, match="algorithm"):
        MuonAdamW([{"params": [torch.nn.Parameter(torch.zeros(3))], "algorithm": "sgd"}])

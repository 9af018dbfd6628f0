"""A shared model's snapshot, and the check that using it left the model as it was.

Models are loaded once and shared by every session, so nothing may change them: no weight or
buffer, no hook left behind, no training mode, no gradient switched on or kept.
"""

from __future__ import annotations

import torch


def snapshot(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """A copy of the model's weights and buffers."""
    return {name: tensor.clone() for name, tensor in model.state_dict().items()}


def assert_untouched(model: torch.nn.Module, before: dict[str, torch.Tensor]) -> None:
    """The weights and buffers of `before`, in eval mode, with no hook, no gradient on or kept."""
    assert not model.training
    for module in model.modules():
        hooks = (module._forward_hooks, module._forward_pre_hooks, module._backward_hooks)
        assert not any(hooks), f"a hook was left on {type(module).__name__}"
    for name, p in model.named_parameters():
        assert not p.requires_grad and p.grad is None, name
    after = model.state_dict()
    assert after.keys() == before.keys()
    changed = [name for name in after if not torch.equal(after[name], before[name])]
    assert not changed, f"changed: {changed}"

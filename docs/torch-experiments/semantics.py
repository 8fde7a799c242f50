"""Runs PyTorch on each behaviour a trainlint PyTorch rule relies on and prints what it does.

Run: ``python docs/torch-experiments/semantics.py`` with torch installed (CPU is enough). The output is
recorded in ``docs/torch-semantics.md``.
"""

import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
N, C = 8, 5
logits = torch.randn(N, C, requires_grad=True) * 3
ids = torch.randint(0, C, (N,))


def show(title, thunk):
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = thunk()
        note = f"  [warning: {caught[0].message}]" if caught else ""
        print(f"{title}: {result}{note}")
    except Exception as error:  # noqa: BLE001 - the error is the observation
        print(f"{title}: {type(error).__name__}: {str(error).splitlines()[0]}")


def grad_norm(loss_of):
    z = logits.detach().clone().requires_grad_(True)
    loss = loss_of(z)
    loss.backward()
    return round(loss.item(), 4), round(z.grad.norm().item(), 4)


print("torch", torch.__version__)

print("\n# 1. CrossEntropyLoss expects logits: after a softmax it applies a second softmax")
show("CE(logits)            loss, |grad|", lambda: grad_norm(lambda z: F.cross_entropy(z, ids)))
show("CE(softmax(logits))   loss, |grad|", lambda: grad_norm(lambda z: F.cross_entropy(z.softmax(1), ids)))
show("CE(sigmoid(logits))   loss, |grad|", lambda: grad_norm(lambda z: F.cross_entropy(z.sigmoid(), ids)))
show("CE(log_softmax(logits)) == CE(logits)",
     lambda: torch.allclose(F.cross_entropy(F.log_softmax(logits, 1), ids), F.cross_entropy(logits, ids)))
perfect = torch.full((N, C), -1e4)
perfect[torch.arange(N), ids] = 1e4
show("CE(softmax(perfect logits)) (lowest reachable loss, log(C) - ...)",
     lambda: round(F.cross_entropy(perfect.softmax(1), ids).item(), 4))
show("log(1 + (C-1)/e) for C=5", lambda: round(torch.log(torch.tensor(1 + (C - 1) / torch.e)).item(), 4))

print("\n# 2. NLLLoss expects log-probabilities")
show("NLL(log_softmax(z)) == CE(z)",
     lambda: torch.allclose(F.nll_loss(F.log_softmax(logits, 1), ids), F.cross_entropy(logits, ids)))
show("NLL(softmax(z))  (= -mean p[y], in [-1, 0])", lambda: round(F.nll_loss(logits.softmax(1), ids).item(), 4))
show("NLL(z) (= -mean z[y], unbounded below)", lambda: round(F.nll_loss(logits, ids).item(), 4))
show("NLL(100 * z)", lambda: round(F.nll_loss(100 * logits, ids).item(), 4))

print("\n# 3. BCEWithLogitsLoss applies its own sigmoid")
binary = torch.randint(0, 2, (N, 1)).float()
one = torch.randn(N, 1) * 3


def grad_norm_one(loss_of):
    z = one.clone().requires_grad_(True)
    loss = loss_of(z)
    loss.backward()
    return round(loss.item(), 4), round(z.grad.norm().item(), 4)


show("BCEWithLogits(z)          loss, |grad|",
     lambda: grad_norm_one(lambda z: F.binary_cross_entropy_with_logits(z, binary)))
show("BCEWithLogits(sigmoid(z)) loss, |grad|",
     lambda: grad_norm_one(lambda z: F.binary_cross_entropy_with_logits(z.sigmoid(), binary)))
show("BCEWithLogits(sigmoid(z)) on a perfect prediction (lowest reachable loss, log(1 + e^-1))",
     lambda: round(F.binary_cross_entropy_with_logits((binary * 2e4 - 1e4).sigmoid(), binary).item(), 4))

print("\n# 4. BCELoss expects probabilities in [0, 1]")
show("BCELoss(sigmoid(z))", lambda: round(F.binary_cross_entropy(one.sigmoid(), binary).item(), 4))
show("BCELoss(z) with z out of [0, 1]", lambda: F.binary_cross_entropy(one, binary))
show("nn.BCELoss()(z) with z out of [0, 1]", lambda: nn.BCELoss()(one, binary))
show("BCELoss(z) when every z happens to be in [0, 1]", lambda: round(
    F.binary_cross_entropy(one.abs().clamp(max=1), binary).item(), 4))

print("\n# 5. CrossEntropyLoss over one output")
single = torch.randn(N, 1, requires_grad=True)
zeros = torch.zeros(N, dtype=torch.long)
show("CE(N x 1, targets all 0)         loss", lambda: F.cross_entropy(single, zeros).item())
show("CE(N x 1, targets all 0)         grad", lambda: (F.cross_entropy(single, zeros).backward(),
                                                         single.grad.abs().max().item())[1])
show("CE(N x 1, targets 0/1)", lambda: F.cross_entropy(single, torch.randint(0, 2, (N,))))
show("CE(N x 1, float targets 0/1 as probabilities)",
     lambda: F.cross_entropy(single, torch.randint(0, 2, (N, 1)).float()).item())

print("\n# 6. softmax(dim=0) on an (N, C) batch normalises over the batch")
probs = logits.softmax(0)
show("softmax(dim=0): sums over the classes of row 0", lambda: round(probs[0].sum().item(), 4))
show("softmax(dim=0): sums over the batch of column 0", lambda: round(probs[:, 0].sum().item(), 4))
show("a sample's prediction depends on the rest of its batch",
     lambda: not torch.allclose(logits[:2].softmax(0)[0], logits[:3].softmax(0)[0]))
show("nn.Softmax() (no dim) on 2-D input", lambda: nn.Softmax()(logits).sum(1)[:2].tolist())
show("F.softmax(x) (no dim) on 2-D input", lambda: F.softmax(logits).sum(1)[:2].tolist())

print("\n# 7. One-hot targets for CrossEntropyLoss / NLLLoss")
one_hot = F.one_hot(ids, C)
show("F.one_hot dtype", lambda: one_hot.dtype)
show("CE(z, one_hot long)", lambda: F.cross_entropy(logits, one_hot))
show("CE(z, one_hot.float()) == CE(z, ids) (probability targets, torch >= 1.10)",
     lambda: torch.allclose(F.cross_entropy(logits, one_hot.float()), F.cross_entropy(logits, ids)))
show("torch.eye(C)[ids] dtype", lambda: torch.eye(C)[ids].dtype)
show("CE(z, torch.eye(C)[ids]) == CE(z, ids)",
     lambda: torch.allclose(F.cross_entropy(logits, torch.eye(C)[ids]), F.cross_entropy(logits, ids)))
show("NLL(log_softmax(z), one_hot long)", lambda: F.nll_loss(F.log_softmax(logits, 1), one_hot))
show("NLL(log_softmax(z), one_hot.float())", lambda: F.nll_loss(F.log_softmax(logits, 1), one_hot.float()))
show("CE(z, ids.float())  (class ids as float)", lambda: F.cross_entropy(logits, ids.float()))

print("\n# 8. Targets past out_features")
show("CE(N x C, target == C) on CPU", lambda: F.cross_entropy(logits, torch.full((N,), C)))
show("NLL(N x C, target == C) on CPU", lambda: F.nll_loss(F.log_softmax(logits, 1), torch.full((N,), C)))
show("CE(N x C, target == -1)", lambda: F.cross_entropy(logits, torch.full((N,), -1)))
show("CE(N x C, target == -100) (ignore_index)", lambda: F.cross_entropy(logits, torch.full((N,), -100)).item())

print("\n# 9. BCE on a multi-class single-label head; CE on multi-hot targets")
show("BCEWithLogits(N x C, ids)  (class ids as targets)", lambda: F.binary_cross_entropy_with_logits(logits, ids))
show("BCELoss(sigmoid(N x C), ids)  (class ids as targets)",
     lambda: F.binary_cross_entropy(logits.sigmoid(), ids.float()))
show("BCEWithLogits(N x C, ids.float())", lambda: F.binary_cross_entropy_with_logits(logits, ids.float()))
show("BCEWithLogits(N x C, one_hot.float())",
     lambda: round(F.binary_cross_entropy_with_logits(logits, one_hot.float()).item(), 4))
multi_hot = (torch.rand(N, C) > 0.5).float()
show("CE(N x C, multi-hot float)  (accepted as unnormalised probabilities)",
     lambda: round(F.cross_entropy(logits, multi_hot).item(), 4))


def fit_logits(target):
    z = torch.zeros(1, 3, requires_grad=True)
    optimizer = torch.optim.SGD([z], lr=1.0)
    for _ in range(500):
        optimizer.zero_grad()
        F.cross_entropy(z, target).backward()
        optimizer.step()
    return [round(p, 3) for p in z.softmax(1)[0].tolist()]


show("CE with the multi-hot target [1, 1, 0]: the best reachable probabilities", lambda: fit_logits(
    torch.tensor([[1.0, 1.0, 0.0]])))

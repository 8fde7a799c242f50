"""What a function started in other processes can change in the parent: nothing it is given.

``torch.multiprocessing.spawn(fn, args=(...))`` and ``torch.multiprocessing.Process(target=fn, args=(...))``
pickle the arguments into each child; the evaluator therefore runs ``fn`` on a copy of what it knows (the
child's appends and assignments stay in the child). Run: ``python docs/torch-experiments/processes.py``.
"""

import torch
import torch.multiprocessing as mp


def collect(rank, names):
    names.append("cat")
    names.append("dog")


if __name__ == "__main__":
    print("torch", torch.__version__)
    classes = []
    mp.spawn(collect, args=(classes,), nprocs=2)
    print("after mp.spawn(collect, args=(classes,)):", classes)
    process = mp.Process(target=collect, args=(0, classes))
    process.start()
    process.join()
    print("after mp.Process(target=collect, args=(0, classes)):", classes)

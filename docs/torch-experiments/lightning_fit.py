"""What Lightning's Trainer.fit runs: training_step on batches of the loader it is given, of the data module's
train_dataloader() after prepare_data() and setup('fit'), else of the model's own train_dataloader()."""
import lightning as L
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset, random_split

calls = []
data = TensorDataset(torch.randn(64, 4), torch.randint(0, 3, (64,)))


class Module(L.LightningModule):
    def __init__(self, own=False):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.own = own

    def training_step(self, batch, batch_idx):
        x, y = batch
        calls.append(("training_step", tuple(x.shape), tuple(y.shape)))
        return nn.functional.cross_entropy(self.fc(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


class OwnLoader(Module):
    def train_dataloader(self):
        calls.append(("model.train_dataloader",))
        return DataLoader(data, batch_size=16)


class Data(L.LightningDataModule):
    def prepare_data(self):
        calls.append(("prepare_data",))

    def setup(self, stage):
        calls.append(("setup", stage))
        self.train, self.val = random_split(data, [48, 16])

    def train_dataloader(self):
        calls.append(("datamodule.train_dataloader",))
        return DataLoader(self.train, batch_size=16)


def run(label, *args, **kwargs):
    calls.clear()
    L.Trainer(max_epochs=1, logger=False, enable_checkpointing=False, enable_progress_bar=False,
              enable_model_summary=False).fit(*args, **kwargs)
    print(label, "->", sorted(set(calls)))


run("fit(model, loader)", Module(), DataLoader(data, batch_size=16))
run("fit(model, datamodule=dm)", Module(), datamodule=Data())
run("fit(model, dm)", Module(), Data())
run("fit(model) with model.train_dataloader", OwnLoader())
print("random_split parts are Subsets of the dataset:", type(random_split(data, [48, 16])[0]).__name__,
      random_split(data, [48, 16])[0].dataset is data)

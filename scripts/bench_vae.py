"""Benchmark the NumPy VAE against the same architecture in PyTorch (CPU, same threads).

Both models start from the *same* initial weights (copied from the NumPy
model), train with Adam on the negative ELBO for the same number of epochs
on the same faces in the same batch order, and are evaluated on the same
held-out faces. Only the random numbers of the reparameterisation differ.
Printed: seconds per epoch, the time ratio, and the held-out negative ELBO
(nats per image and bits per dimension) side by side.

Usage::

    python scripts/bench_vae.py --size 64 --limit 3000 --epochs 2 --threads 2
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from classroom.data import load_celeba
from classroom.models.elbo import bits_per_dim, dequantize
from classroom.models.vae import ConvVAE
from classroom.nn.parallel import use_threads
from classroom.train.vae import evaluate_vae, train_vae


def parse_args(argv=None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--limit", type=int, default=3000, help="faces loaded (default 3000)")
    parser.add_argument("--held-out", type=int, default=500)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--latent-dim", type=int, default=64)
    parser.add_argument("--widths", default="32,64,128,256")
    parser.add_argument("--batch-norm", action="store_true", help="BatchNorm2d after each hidden convolution")
    parser.add_argument("--threads", type=int, default=2, help="threads for both libraries (default 2)")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def torch_vae(torch, model: ConvVAE):
    """Build the same network in PyTorch and copy ``model``'s weights into it."""
    nn = torch.nn

    def convert(layer):
        name = type(layer).__name__
        if name == "Conv2d":
            return nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride, layer.padding,
                             bias=layer.bias is not None)
        if name == "ConvTranspose2d":
            return nn.ConvTranspose2d(layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride,
                                      layer.padding, bias=layer.bias is not None)
        if name == "BatchNorm2d":
            return nn.BatchNorm2d(layer.num_features, eps=layer.eps, momentum=layer.momentum)
        if name == "Linear":
            return nn.Linear(layer.weight.shape[1], layer.weight.shape[0])
        if name == "LeakyReLU":
            return nn.LeakyReLU(layer.negative_slope)
        if name == "ReLU":
            return nn.ReLU()
        if name == "Flatten":
            return nn.Flatten()
        if name == "Unflatten":
            return nn.Unflatten(layer.dim, layer.unflattened_size)
        raise TypeError(f"no PyTorch twin for {name}")

    class TorchVAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(*[convert(layer) for layer in model.encoder])
            self.decoder = nn.Sequential(*[convert(layer) for layer in model.decoder])
            self.log_sigma = nn.Parameter(torch.tensor(model.log_sigma.data.copy()))
            self.latent_dim = model.latent_dim

        def negative_elbo(self, x):
            stats = self.encoder(x)
            mu, logvar = stats[:, : self.latent_dim], stats[:, self.latent_dim :]
            z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
            mean = self.decoder(z)
            values = x[0].numel()
            squared_error = ((x - mean) ** 2).flatten(1).sum(1)
            reconstruction = squared_error / (2 * torch.exp(2 * self.log_sigma)) + values * (
                self.log_sigma + 0.5 * math.log(2 * math.pi)
            )
            kl = 0.5 * (mu**2 + torch.exp(logvar) - logvar - 1).sum(1)
            return reconstruction + kl, reconstruction, kl

    twin = TorchVAE()
    state = model.state_dict()
    with torch.no_grad():
        for name, parameter in twin.named_parameters():
            parameter.copy_(torch.from_numpy(np.ascontiguousarray(state[name])))
    return twin


def train_torch(torch, twin, train_faces, held_out_faces, args, channels_last: bool = False) -> dict:
    """Train the PyTorch twin exactly like ``train_vae``; return seconds per epoch and held-out metrics.

    With ``channels_last`` the twin's weights and every batch are in
    PyTorch's ``channels_last`` memory format (NHWC in memory), its other
    CPU layout for convolutions.
    """
    layout = torch.channels_last if channels_last else torch.contiguous_format
    twin = twin.to(memory_format=layout)
    optimizer = torch.optim.Adam(twin.parameters(), lr=args.lr)
    rng = np.random.default_rng(args.seed)  # same shuffles as the NumPy run
    torch.manual_seed(args.seed)
    seconds = []
    for _ in range(args.epochs):
        start = time.perf_counter()
        order = rng.permutation(len(train_faces))
        for first in range(0, len(order) - args.batch_size + 1, args.batch_size):
            x = dequantize(train_faces[order[first : first + args.batch_size]], rng)
            x = torch.from_numpy(np.ascontiguousarray(x)).contiguous(memory_format=layout)
            optimizer.zero_grad()
            neg_elbo, _, _ = twin.negative_elbo(x)
            neg_elbo.mean().backward()
            optimizer.step()
        seconds.append(time.perf_counter() - start)
    eval_rng = np.random.default_rng(args.seed + 10)
    totals = np.zeros(3)
    with torch.no_grad():
        for first in range(0, len(held_out_faces), 256):
            x = torch.from_numpy(np.ascontiguousarray(dequantize(held_out_faces[first : first + 256], eval_rng)))
            terms = twin.negative_elbo(x)
            totals += [float(term.sum()) for term in terms]
    neg_elbo, reconstruction, kl = totals / len(held_out_faces)
    values = held_out_faces[0].size
    return {"seconds": seconds, "neg_elbo": neg_elbo, "kl": kl, "bits_per_dim": bits_per_dim(neg_elbo, values)}


def main(argv=None) -> None:
    """Run both trainings and print the comparison table."""
    args = parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    faces = load_celeba(size=args.size, limit=args.limit)
    train_faces, held_out_faces = faces[: -args.held_out], faces[-args.held_out :]
    widths = tuple(int(width) for width in args.widths.split(","))
    model = ConvVAE(args.size, 3, args.latent_dim, widths, batch_norm=args.batch_norm, rng=args.seed)
    twin = torch_vae(torch, model)  # copied before any training: same initial weights
    twin_channels_last = torch_vae(torch, model)

    # classroom: --threads worker threads split each batch, each with a
    # single-threaded BLAS (classroom.nn.parallel); PyTorch: as many intra-op threads.
    use_threads(args.threads)
    history = train_vae(model, train_faces, held_out_faces, epochs=args.epochs, batch_size=args.batch_size,
                        lr=args.lr, rng=np.random.default_rng(args.seed), log=None)
    numpy_result = evaluate_vae(model, held_out_faces, rng=np.random.default_rng(args.seed + 10))
    torch_result = train_torch(torch, twin, train_faces, held_out_faces, args)
    channels_last_result = train_torch(torch, twin_channels_last, train_faces, held_out_faces, args,
                                       channels_last=True)

    numpy_epoch = float(np.mean(history["seconds"]))
    torch_epoch = float(np.mean(torch_result["seconds"]))
    channels_last_epoch = float(np.mean(channels_last_result["seconds"]))
    faster_epoch = min(torch_epoch, channels_last_epoch)
    print(f"VAE benchmark: {len(train_faces)} training / {len(held_out_faces)} held-out CelebA faces at "
          f"{args.size}x{args.size}, widths {widths}, latent {args.latent_dim}, batch {args.batch_size}, "
          f"{args.epochs} epochs, {args.threads} threads, batch norm {args.batch_norm}, torch {torch.__version__}, "
          f"numpy {np.__version__}")
    print()
    print("| | classroom (NumPy) | PyTorch | PyTorch channels_last |")
    print("|---|---:|---:|---:|")
    print(f"| seconds per epoch | {numpy_epoch:.2f} | {torch_epoch:.2f} | {channels_last_epoch:.2f} |")
    print(f"| NumPy / PyTorch | | {numpy_epoch / torch_epoch:.2f}x | {numpy_epoch / channels_last_epoch:.2f}x |")
    for key, label, digits in [("neg_elbo", "held-out -ELBO (nats/image)", 0), ("bits_per_dim", "held-out bits/dim", 3),
                               ("kl", "held-out KL (nats/image)", 1)]:
        values = [result[key] for result in (numpy_result, torch_result, channels_last_result)]
        print(f"| {label} | " + " | ".join(f"{value:.{digits}f}" for value in values) + " |")
    print(f"\nagainst the faster PyTorch layout: {numpy_epoch / faster_epoch:.2f}x")


if __name__ == "__main__":
    main()

"""LeakGAN's hierarchical generator G (the paper's equations): a MANAGER reading D's leaked features and a WORKER.

Indexing used throughout (0-based; T = seq_len, c = step_size):
- f_t is D's feature of the prefix x[:t] followed by padding, t = 0..T
  (f_0 = the empty prefix, f_T = the whole sentence).
- At step t (which emits token x_t) the MANAGER reads f_t and emits the
  sub-goal g_t (Eq. 2-3); the WORKER reads x_{t-1} (x_{-1} = token 0, the
  start token, like the oracle) and emits O_t (Eq. 5).
- Segment s holds the tokens s·c .. s·c + c − 1. Its goal G_s is a learned
  initial goal for s = 0 and the sum of the sub-goals g_{(s−1)c+1} .. g_{sc}
  for s ≥ 1; every token of segment s uses w = normalise(W_ψ G_s) (Eq. 4)
  and the distribution softmax(O_t·w/α) (Eq. 6).

`goal_alignment: paper` (the default) uses that one alignment for sampling,
teacher forcing and rollouts (the step-by-step machinery is
`leakgan.models.generation`). `goal_alignment: authors` follows the authors'
code (CR-Gjx/LeakGAN, `Synthetic Data/LeakGANModel.py`, `LeakGAN.__init__`),
whose three loops align the goals differently:
- teacher forcing (`preTrain`, the loop every loss is computed on): iteration
  i reads f_i, adds g_i to `last_goal` for i > 0 and hands the sum on as
  `real_goal` when i % c == 0, so token t = i − 1 of segment s uses
  g_{(s−1)c+1} .. g_{sc}: this module's alignment (`teacher_forced`).
- sampling (`_g_recurrence`, their `generate`): iteration i reads f_i, emits
  token i with `real_goal`, and adds g_i to `last_goal` (i = 0 included),
  which becomes `real_goal` when (i + 1) % c == 0; so segment s ≥ 1 uses
  g_{(s−1)c} .. g_{sc−1}, one step behind the loss's: the samples G learns
  from were drawn from a slightly different policy.
- rollouts (`rollout`: `_g_recurrence_1` then `_g_recurrence_2`): the given
  prefix x[:b] is run teacher-forced (the loss's alignment, f_0..f_b), so the
  segment that starts at the boundary b uses g_{b−c+1} .. g_b; the first
  free step then reads f_b a second time (its `cur_sen` is x[:i − 1] at
  i = b + 1), g'_b, and the later segments use the sampler's alignment
  g'_b + g_{b+1} .. g_{b+c−1}, then g_{(s−1)c} .. g_{sc−1}, from a MANAGER
  that has read one feature more.

Initial goal: `initial_goal: shared` is one learned vector; `per_row` (the
authors' `goal_init`, a [batch_size, F] variable) is one per batch row. Their
graph only ever runs batch_size rows, and `generate_samples` draws
int(n / batch_size) such batches, so row j of every batch uses goal_init[j];
here row i of a batch, a sample or a test set scored by `nll` uses row
i mod batch_size (`initial_goals`), which is theirs for every batch of
batch_size rows and cycles through the rows for larger calls.

The WORKER's intrinsic reward is Eq. 9 as printed (`intrinsic_reward`): the
mean over the last c sub-goals of cos(f_{t+1} − f_{t+1−i}, g_{t+1−i}).
`intrinsic_reward: authors` (`intrinsic_reward_authors`) is their
`Worker_Reward`: one cosine between the feature change since the segment
start and the segment's goal, cos(f_{t+1} − f_{sc}, G_s) for token t of
segment s (`all_sub_features[i−1]` = f_i − f_{i − i%c}, or f_i − f_{i−c}
when i % c == 0; `all_sub_goals[i−1]` = `real_goal` of iteration i).

`manager_input` (the ablation's "no leak" arms) changes only what the
MANAGER reads: D's feature f_t (`feature`), zeros (`zero`) or the feature of
a frozen, randomly initialised D (`frozen_random`, `frozen_discriminator`).
The losses (Eq. 7, 9, 10) and D's reward keep the trained D's features.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn import functional as F

from leakgan.errors import UserError
from leakgan.models import generation
from leakgan.models.discriminator import Discriminator, DiscriminatorConfig
from leakgan.models.prefix_features import prefix_features
from leakgan.models.sampling import START_TOKEN, categorical


@dataclass
class GeneratorConfig:
    vocab_size: int
    seq_len: int
    feature_dim: int  # size of D's leaked feature f (and of the MANAGER's goals)
    emb_dim: int = 32
    hidden_dim: int = 32
    goal_size: int = 16  # k: columns of O_t and size of w_t
    step_size: int = 4  # c: tokens per segment
    initial_goal: str = "shared"  # shared: one learned G_0 [F]; per_row: one per batch row [initial_goal_rows, F]
    initial_goal_rows: int = 1  # rows of a per_row initial goal (the batch size)

    def __post_init__(self):
        if self.initial_goal not in ("shared", "per_row"):
            raise ValueError(f"initial_goal must be 'shared' or 'per_row', not {self.initial_goal!r}")
        if self.initial_goal_rows < 1:
            raise ValueError("initial_goal_rows must be at least 1")


class Manager(nn.Module):
    """Eq. 2-3: an LSTM over leaked features whose output, L2-normalised, is the sub-goal g_t."""

    def __init__(self, cfg: GeneratorConfig):
        super().__init__()
        self.lstm = nn.LSTM(cfg.feature_dim, cfg.hidden_dim, batch_first=True)
        self.out = nn.Linear(cfg.hidden_dim, cfg.feature_dim)

    def forward(self, features: torch.Tensor, state=None):
        """Sub-goals [B, L, F] for features [B, L, F], and the LSTM state after them."""
        hidden, state = self.lstm(features, state)
        return F.normalize(self.out(hidden), dim=-1), state


class Worker(nn.Module):
    """Eq. 5: an LSTM over tokens whose output O_t is a |V|×k matrix of per-word goal responses."""

    def __init__(self, cfg: GeneratorConfig):
        super().__init__()
        self.cfg = cfg
        self.embedding = nn.Embedding(cfg.vocab_size, cfg.emb_dim)
        self.lstm = nn.LSTM(cfg.emb_dim, cfg.hidden_dim, batch_first=True)
        self.out = nn.Linear(cfg.hidden_dim, cfg.vocab_size * cfg.goal_size)

    def forward(self, tokens: torch.Tensor, state=None):
        """Hidden states [B, L, H] after reading tokens [B, L], and the LSTM state."""
        return self.lstm(self.embedding(tokens), state)

    def output(self, hidden: torch.Tensor) -> torch.Tensor:
        """O_t [..., V, k] (Eq. 5); `logits` computes O_t·w_t without forming it."""
        return self.out(hidden).unflatten(-1, (self.cfg.vocab_size, self.cfg.goal_size))

    def logits(self, hidden: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        """O_t·w_t [..., V] (Eq. 6 before /α) from hidden [..., H] and w [..., k]."""
        V, k, H = self.cfg.vocab_size, self.cfg.goal_size, self.cfg.hidden_dim
        # O·w = W (h ⊗ w) + B w: one matmul of size H·k instead of a [.., V, k] tensor per token.
        weight = self.out.weight.view(V, k, H).transpose(1, 2).reshape(V, H * k)
        hw = (hidden.unsqueeze(-1) * w.unsqueeze(-2)).flatten(-2)
        return hw @ weight.T + w @ self.out.bias.view(V, k).T


def segment_goals(sub_goals: torch.Tensor, goal_init: torch.Tensor, step_size: int, num_segments: int) -> torch.Tensor:
    """Goals G_s [B, S, F] of each segment from sub-goals g_0.. [B, L, F] (Eq. 4's sum over c steps).

    `goal_init` is G_0: one vector [F] for every row, or one per row [B, F] (`LeakGANModel.initial_goals`).
    """
    c = step_size
    goals = [goal_init.expand(sub_goals.shape[0], -1)]
    for s in range(1, num_segments):
        goals.append(sub_goals[:, (s - 1) * c + 1: s * c + 1].sum(dim=1))
    return torch.stack(goals, dim=1)


def manager_loss(features: torch.Tensor, goals: torch.Tensor, rewards: torch.Tensor | None, step_size: int,
                 reduction: str = "per_segment") -> torch.Tensor:
    """Eq. 7 (Eq. 10 when rewards is None): −mean_s Q_s·cos(f_{(s+1)c} − f_{sc}, G_s).

    `reduction="scalar"` is the authors' code: `tf.losses.cosine_distance` reduces
    the cosines to their mean first, so the loss is −(Σ Q)·mean(cos) / (B·S) and
    no segment's Q weights its own cosine.
    """
    T = features.shape[1] - 1
    starts = torch.arange(goals.shape[1], device=features.device) * step_size
    ends = (starts + step_size).clamp(max=T)
    cos = F.cosine_similarity(features[:, ends] - features[:, starts], goals, dim=-1)  # [B, S]
    if reduction == "scalar":
        return -cos.mean() if rewards is None else -(rewards.sum() * cos.mean()) / rewards.numel()
    if reduction != "per_segment":
        raise ValueError(f"unknown loss reduction {reduction!r}")
    return -(cos if rewards is None else rewards * cos).mean()


def worker_loss(intrinsic: torch.Tensor, log_probs: torch.Tensor, reduction: str = "per_segment") -> torch.Tensor:
    """Eq. 8's REINFORCE loss −mean_t r_t · log G(x_t | x_<t) over [B, T] (`intrinsic` carries no gradient).

    `reduction="scalar"` is the authors' code: the intrinsic rewards are reduced
    to one mean first, −mean(r)·mean(log G): the NLL of the model's own samples
    scaled by one number, with no per-token credit.
    """
    if reduction == "scalar":
        return -(intrinsic.mean() * log_probs.mean())
    if reduction != "per_segment":
        raise ValueError(f"unknown loss reduction {reduction!r}")
    return -(intrinsic * log_probs).mean()


def intrinsic_reward(features: torch.Tensor, sub_goals: torch.Tensor, step_size: int) -> torch.Tensor:
    """Eq. 9: r_t = mean_i cos(f_{t+1} − f_{t+1−i}, g_{t+1−i}) over i = 1..c with t+1−i ≥ 0; [B, T]."""
    T = features.shape[1] - 1
    total = features.new_zeros(features.shape[0], T)
    count = features.new_zeros(T)
    for i in range(1, min(step_size, T) + 1):
        # token t = j + i − 1 moved the prefix from f_j (goal g_j) to f_{j+i} along with earlier tokens
        cos = F.cosine_similarity(features[:, i:] - features[:, :-i], sub_goals[:, :T - i + 1], dim=-1)
        total[:, i - 1:] += cos
        count[i - 1:] += 1
    return total / count


def intrinsic_reward_authors(features: torch.Tensor, goals: torch.Tensor, step_size: int) -> torch.Tensor:
    """The authors' WORKER reward: r_t = cos(f_{t+1} − f_{sc}, G_s) for token t of segment s = ⌊t / c⌋; [B, T].

    `goals` [B, S, F] are the segment goals G_s of the teacher-forced pass (their `all_sub_goals`), `features`
    [B, T+1, F] f_0..f_T (their `all_sub_features[t]` = f_{t+1} − f_{c⌊t/c⌋}).
    """
    T = features.shape[1] - 1
    t = torch.arange(T, device=features.device)
    segment = torch.div(t, step_size, rounding_mode="floor")
    change = features[:, 1:] - features[:, segment * step_size]
    return F.cosine_similarity(change, goals[:, segment], dim=-1)


@dataclass
class TeacherForced:
    """What G computes along given sequences: everything the losses of Eq. 7-10 need."""

    features: torch.Tensor  # [B, T+1, F] f_0..f_T (no gradient)
    sub_goals: torch.Tensor  # [B, T, F] g_0..g_{T-1} (gradient to the MANAGER)
    goals: torch.Tensor  # [B, S, F] G_s (gradient to the MANAGER)
    log_probs: torch.Tensor  # [B, T] log G(x_t | x_<t) (gradient to the WORKER and W_ψ only)



class LeakGANModel(nn.Module):
    """The generator (MANAGER, WORKER, W_ψ, initial goal) together with the discriminator it spies on."""

    def __init__(self, gen_cfg: GeneratorConfig, dis_cfg: DiscriminatorConfig):
        super().__init__()
        if gen_cfg.feature_dim != dis_cfg.feature_dim:
            raise ValueError("the MANAGER's feature_dim must equal D's feature size")
        self.cfg, self.dis_cfg = gen_cfg, dis_cfg
        self.manager = Manager(gen_cfg)
        self.worker = Worker(gen_cfg)
        self.goal_projection = nn.Linear(gen_cfg.feature_dim, gen_cfg.goal_size, bias=False)  # W_ψ (Eq. 4)
        shape = (gen_cfg.initial_goal_rows,) if gen_cfg.initial_goal == "per_row" else ()
        self.goal_init = nn.Parameter(torch.zeros(*shape, gen_cfg.feature_dim))
        self.discriminator = Discriminator(dis_cfg)
        # How D's feature of each prefix is computed: "incremental" (PrefixFeatures) or "full" (the
        # reference: the CNN re-run on every padded prefix). Not saved in checkpoints.
        self.feature_mode = "incremental"
        # Settings that change what G computes without changing its weights (from the run's settings;
        # `from_checkpoint` restores them from the checkpoint's settings): see the module docstring.
        self.goal_alignment = "paper"  # paper | authors
        self.manager_input = "feature"  # feature | zero | frozen_random (then `frozen_discriminator` is set)
        self.frozen_discriminator: Discriminator | None = None

    def initial_goals(self, n: int, offset: int = 0) -> torch.Tensor:
        """G_0 of n rows [n, F]: the shared initial goal, or (per_row) row (offset + i) mod rows for row i."""
        if self.cfg.initial_goal != "per_row":
            return self.goal_init.expand(n, -1)
        index = (torch.arange(n, device=self.goal_init.device) + offset) % self.goal_init.shape[0]
        return self.goal_init[index]

    def add_frozen_discriminator(self, generator: torch.Generator | None = None) -> Discriminator:
        """A frozen copy of D's architecture, randomly initialised from `generator` (manager_input: frozen_random)."""
        frozen = Discriminator(DiscriminatorConfig(**{**asdict(self.dis_cfg), "dropout": 0.0}))
        if generator is not None:  # a CPU generator (the module is made on the CPU, then moved)
            frozen.reset_parameters(generator)
        frozen.requires_grad_(False)
        self.frozen_discriminator = frozen.to(self.goal_init.device).eval()
        return self.frozen_discriminator

    def train(self, mode: bool = True):
        super().train(mode)
        if self.frozen_discriminator is not None:
            self.frozen_discriminator.eval()  # never trained, never dropped out
        return self

    def manager_features(self, tokens: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        """What the MANAGER reads along tokens [B, T]: f_0..f_{T−1} (`features` [B, T+1, F]), zeros, or the
        frozen random D's features of the same prefixes (`manager_input`)."""
        T = tokens.shape[1]
        if self.manager_input == "feature":
            return features[:, :T]
        if self.manager_input == "zero":
            return torch.zeros_like(features[:, :T])
        if self.manager_input == "frozen_random":
            if self.frozen_discriminator is None:
                raise UserError("manager_input frozen_random needs the frozen discriminator (add_frozen_discriminator)")
            with torch.no_grad():
                return prefix_features(self.frozen_discriminator, tokens, self.feature_mode)[:, :T]
        raise UserError(f"config key 'leakgan.manager_input' must be feature, zero or frozen_random, "
                        f"not {self.manager_input!r}")

    def reset_parameters(self, generator: torch.Generator) -> None:
        """Initialise every generator weight from N(0, 0.1²) (the authors' choice) and D as D does."""
        with torch.no_grad():
            for name, param in self.named_parameters():
                if not name.startswith(("discriminator.", "frozen_discriminator.")):
                    param.normal_(0.0, 0.1, generator=generator)
        self.discriminator.reset_parameters(generator)

    def manager_parameters(self) -> list[nn.Parameter]:
        """θ_m: the MANAGER LSTM and output layer and the initial goal."""
        return [*self.manager.parameters(), self.goal_init]

    def worker_parameters(self) -> list[nn.Parameter]:
        """θ_w: the WORKER, its softmax layer and W_ψ (the paper updates ψ with the WORKER)."""
        return [*self.worker.parameters(), *self.goal_projection.parameters()]

    def goal_embedding(self, goals: torch.Tensor) -> torch.Tensor:
        """w = normalise(W_ψ G) of segment goals G."""
        return F.normalize(self.goal_projection(goals), dim=-1)  # Eq. 4, then normalised as the authors

    @contextmanager
    def discriminator_eval(self):
        """D in eval mode (no dropout) for the duration; its previous mode restored after."""
        was_training = self.discriminator.training
        self.discriminator.eval()
        try:
            yield self.discriminator
        finally:
            self.discriminator.train(was_training)

    @torch.no_grad()
    def leaked_features(self, tokens: torch.Tensor) -> torch.Tensor:
        """D's features f_0..f_L [B, L+1, F] of the prefixes of tokens (dropout off, no gradient)."""
        with self.discriminator_eval() as D:
            return prefix_features(D, tokens, self.feature_mode)

    def teacher_forced(self, tokens: torch.Tensor, temperature: float = 1.0,
                       features: torch.Tensor | None = None, offset: int = 0) -> TeacherForced:
        """Run G along tokens [B, T]: features, sub-goals, segment goals and token log-probabilities.

        `features` [B, T+1, F], when the caller already has them (from `trace`), skips D. Goals follow the
        authors' loss alignment under either `goal_alignment`. `offset`: the index of the first row (which
        per-row initial goal each row takes).
        """
        c, T = self.cfg.step_size, tokens.shape[1]
        features = self.leaked_features(tokens) if features is None else features
        sub_goals, _ = self.manager(self.manager_features(tokens, features))
        goals = segment_goals(sub_goals, self.initial_goals(tokens.shape[0], offset), c, -(-T // c))
        token_goals = goals.detach().repeat_interleave(c, dim=1)[:, :T]  # the WORKER's loss must not move θ_m
        start = torch.full_like(tokens[:, :1], START_TOKEN)
        hidden, _ = self.worker(torch.cat([start, tokens[:, :-1]], dim=1))
        logits = self.worker.logits(hidden, self.goal_embedding(token_goals)) / temperature
        log_probs = torch.log_softmax(logits, dim=-1).gather(-1, tokens.unsqueeze(-1)).squeeze(-1)
        return TeacherForced(features, sub_goals, goals, log_probs)


    # ---- step-by-step generation (leakgan.models.generation) ------------------------------------

    def segment_boundaries(self) -> range:
        """Prefix lengths c, 2c, ... below T: where a segment ends and rollouts start."""
        return range(self.cfg.step_size, self.cfg.seq_len, self.cfg.step_size)


    def rollout(self, prefix: torch.Tensor, given, temperature: float, generator: torch.Generator,
                sampler=categorical) -> torch.Tensor:
        """Keep prefix[:, :given] (int or LongTensor [N]) and sample the rest of each row; [N, T] on the model's device.

        Under `goal_alignment: authors` this is the authors' rollout (see the module docstring).
        """
        return generation.generate(self, prefix, given, temperature, generator, sampler, rollout=True)[0]

    def generate(self, prefix: torch.Tensor, given, temperature: float, generator: torch.Generator,
                 sampler=categorical):
        """(tokens, log-probabilities) [N, T] of step-by-step generation with prefix tokens forced while t < given."""
        return generation.generate(self, prefix, given, temperature, generator, sampler)

    def trace(self, num: int, temperature: float, generator: torch.Generator, boundaries=(),
              sampler=categorical, first_temperature: float | None = None, first_tokens: int = 0) -> generation.Trace:
        """`num` sampled sequences with D's prefix features and the steps at `boundaries` (see generation.trace)."""
        return generation.trace(self, num, temperature, generator, boundaries, sampler, first_temperature, first_tokens)

    def batched_rollouts(self, trace: generation.Trace, repeats: int, temperature: float,
                         generator: torch.Generator, chunk: int = 4096, sampler=categorical):
        """Rollouts [R, nb, N, T] from every boundary of `trace` and D's real-probability of each [R, nb, N]."""
        return generation.batched_rollouts(self, trace, repeats, temperature, generator, chunk, sampler)

    def sample(self, num: int, temperature: float, generator: torch.Generator, batch_size: int = 1000,
               sampler=categorical, prefix: list[int] | None = None) -> torch.Tensor:
        """Draw `num` sequences [num, T] (CPU) at α = temperature, `batch_size` rows at a time.

        With `prefix`, every sequence starts with those tokens (step-by-step `generate` with them forced).
        """
        if not prefix:
            return generation.sample(self, num, temperature, generator, batch_size, sampler)
        device, chunks = self.goal_init.device, []
        for first in range(0, num, batch_size):
            forced = torch.zeros(min(batch_size, num - first), self.cfg.seq_len, dtype=torch.long, device=device)
            forced[:, :len(prefix)] = torch.tensor(prefix, dtype=torch.long, device=device)
            chunks.append(generation.generate(self, forced, len(prefix), temperature, generator, sampler,
                                              offset=first)[0].cpu())
        return torch.cat(chunks)

    @torch.no_grad()
    def nll(self, tokens: torch.Tensor, batch_size: int = 1000, temperature: float = 1.0) -> float:
        """Mean per-token NLL of tokens [N, T] at α = temperature, each prefix's leaked feature from its own tokens."""
        tokens = torch.as_tensor(tokens, dtype=torch.long)
        if tokens.numel() and (int(tokens.min()) < 0 or int(tokens.max()) >= self.cfg.vocab_size):
            raise UserError(f"token ids must lie in 0..{self.cfg.vocab_size - 1} for this model")
        device = self.goal_init.device
        total, count = 0.0, 0
        for start in range(0, tokens.shape[0], batch_size):
            batch = tokens[start:start + batch_size].to(device)
            total += -float(self.teacher_forced(batch, temperature, offset=start).log_probs.double().sum())
            count += batch.numel()
        return total / count

    def checkpoint(self, name: str, settings: dict, pad_id: int | None, **extra) -> dict:
        """Everything needed to rebuild this model (LeakGAN's checkpoint format); `name`: its registry name."""
        return {"model": name, "settings": settings, "vocab_size": self.cfg.vocab_size,
                "seq_len": self.cfg.seq_len, "pad_id": pad_id,
                "generator_config": asdict(self.cfg),
                "discriminator_config": {**asdict(self.dis_cfg), "filter_sizes": list(self.dis_cfg.filter_sizes),
                                         "num_filters": list(self.dis_cfg.num_filters)},
                "state": {k: v.detach().cpu().clone() for k, v in self.state_dict().items()}, **extra}

    @classmethod
    def from_checkpoint(cls, ckpt: dict, device: str | torch.device = "cpu") -> "LeakGANModel":
        """Rebuild from a dict made by `checkpoint` (in eval mode, on `device`)."""
        try:
            model = cls(GeneratorConfig(**ckpt["generator_config"]), DiscriminatorConfig(**ckpt["discriminator_config"]))
            settings = ckpt.get("settings") or {}
            model.goal_alignment = settings.get("goal_alignment") or "paper"
            model.manager_input = settings.get("manager_input") or "feature"
            if any(k.startswith("frozen_discriminator.") for k in ckpt["state"]):
                model.add_frozen_discriminator()
            model.load_state_dict(ckpt["state"])
        except (KeyError, TypeError, ValueError, RuntimeError) as exc:
            raise UserError(f"not a complete LeakGAN checkpoint ({type(exc).__name__}: {exc}); "
                            "delete it and re-run the LeakGAN pretrain stage") from None
        return model.to(device).eval()

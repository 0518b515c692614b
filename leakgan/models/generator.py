"""LeakGAN's hierarchical generator G: a MANAGER reading D's leaked features and a WORKER emitting tokens.

Indexing used throughout (0-based; T = seq_len, c = step_size):
- f_t is D's feature of the prefix x[:t] followed by padding, t = 0..T
  (f_0 = the empty prefix, f_T = the whole sentence).
- At step t (which emits token x_t) the MANAGER reads f_t and emits the
  sub-goal g_t (Eq. 2-3); the WORKER reads x_{t-1} (x_{-1} = token 0, the
  start token, like the oracle) and emits O_t (Eq. 5).
- Segment s holds the tokens s·c .. s·c + c − 1. Its goal G_s is a learned
  initial goal for s = 0 and the sum of the sub-goals g_{(s−1)c+1} .. g_{sc}
  for s ≥ 1 (the goals of the previous segment, as in the authors' code,
  whose teacher-forced and rollout paths both use this alignment); every
  token of segment s uses w = normalise(W_ψ G_s) (Eq. 4) and the
  distribution softmax(O_t·w/α) (Eq. 6).
Sampling, teacher forcing and rollouts share this one definition (the
authors' free-running sampler sums g_{(s−1)c} .. g_{sc−1} instead, one step
behind their own training path; one learned initial goal serves every row
where theirs has one per batch row).

The WORKER's intrinsic reward is Eq. 9 as printed: the mean over the last c
sub-goals of cos(f_{t+1} − f_{t+1−i}, g_{t+1−i}) (the authors' code uses one
cosine between the change since the segment start and the segment's goal).
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn import functional as F

from leakgan.errors import UserError
from leakgan.models.discriminator import PAD, Discriminator, DiscriminatorConfig, FullPrefix, PrefixFeatures
from leakgan.models.sampling import categorical

START_TOKEN = 0


@dataclass
class GeneratorConfig:
    vocab_size: int
    seq_len: int
    feature_dim: int  # size of D's leaked feature f (and of the MANAGER's goals)
    emb_dim: int = 32
    hidden_dim: int = 32
    goal_size: int = 16  # k: columns of O_t and size of w_t
    step_size: int = 4  # c: tokens per segment

    @property
    def num_segments(self) -> int:
        return -(-self.seq_len // self.step_size)


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
    """Goals G_s [B, S, F] of each segment from sub-goals g_0.. [B, L, F] (Eq. 4's sum over c steps)."""
    c = step_size
    goals = [goal_init.expand(sub_goals.shape[0], -1)]
    for s in range(1, num_segments):
        goals.append(sub_goals[:, (s - 1) * c + 1: s * c + 1].sum(dim=1))
    return torch.stack(goals, dim=1)


def manager_loss(features: torch.Tensor, goals: torch.Tensor, rewards: torch.Tensor | None, step_size: int) -> torch.Tensor:
    """Eq. 7 (Eq. 10 when rewards is None): −mean_s Q_s·cos(f_{(s+1)c} − f_{sc}, G_s)."""
    T = features.shape[1] - 1
    starts = torch.arange(goals.shape[1], device=features.device) * step_size
    ends = (starts + step_size).clamp(max=T)
    cos = F.cosine_similarity(features[:, ends] - features[:, starts], goals, dim=-1)  # [B, S]
    return -(cos if rewards is None else rewards * cos).mean()


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


@dataclass
class TeacherForced:
    """What G computes along given sequences: everything the losses of Eq. 7-10 need."""

    features: torch.Tensor  # [B, T+1, F] f_0..f_T (no gradient)
    sub_goals: torch.Tensor  # [B, T, F] g_0..g_{T-1} (gradient to the MANAGER)
    goals: torch.Tensor  # [B, S, F] G_s (gradient to the MANAGER)
    log_probs: torch.Tensor  # [B, T] log G(x_t | x_<t) (gradient to the WORKER and W_ψ only)


@dataclass
class FrozenWeights:
    """Weights rearranged once per generation call, for the no-gradient step path."""

    worker_out: torch.Tensor  # [H·k + k, V]: O_t·w = [h ⊗ w, w] @ worker_out
    highway: torch.Tensor  # [F, 2F]: D's highway transform and gate side by side
    highway_bias: torch.Tensor  # [2F]
    taps: object  # PrefixFeatures weights (None in "full" mode)

    @classmethod
    @torch.no_grad()
    def of(cls, model: "LeakGANModel", table: bool = False) -> "FrozenWeights":
        V, k, H = model.cfg.vocab_size, model.cfg.goal_size, model.cfg.hidden_dim
        out = model.worker.out
        weight = out.weight.view(V, k, H).transpose(1, 2).reshape(V, H * k)
        worker_out = torch.cat([weight, out.bias.view(V, k)], dim=1).T.contiguous()
        hw = model.discriminator.highway
        highway = torch.cat([hw.transform.weight, hw.gate.weight]).T.contiguous()
        highway_bias = torch.cat([hw.transform.bias, hw.gate.bias])
        incremental = model.feature_mode == "incremental"
        taps = PrefixFeatures.weights_of(model.discriminator, table) if incremental else None
        return cls(worker_out, highway, highway_bias, taps)

    def logits(self, hidden: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        """Worker.logits with the rearranged weights: O_t·w_t [N, V]."""
        hw = (hidden.unsqueeze(-1) * w.unsqueeze(-2)).flatten(-2)
        return torch.cat([hw, w], dim=-1) @ self.worker_out

    def feature(self, pooled: torch.Tensor) -> torch.Tensor:
        """D.head in eval mode (highway; dropout off) with one matrix product."""
        z = torch.addmm(self.highway_bias, pooled, self.highway)
        n = pooled.shape[1]
        t = torch.sigmoid(z[:, n:])
        return t * F.relu(z[:, :n]) + (1.0 - t) * pooled


@dataclass
class GenState:
    """Where step-by-step generation stands before emitting token t, for N rows."""

    t: int
    prev: torch.Tensor  # [N] x_{t-1} (the start token at t = 0)
    goal: torch.Tensor  # [N, F] G_s of the current segment
    pending: torch.Tensor  # [N, F] sub-goals summed so far for the next segment
    manager: tuple[torch.Tensor, torch.Tensor]  # MANAGER LSTM (h, c) [1, N, H]
    worker: tuple[torch.Tensor, torch.Tensor]  # WORKER LSTM (h, c) [1, N, H]
    feats: PrefixFeatures | FullPrefix  # D's view of the prefix x[:t]
    weights: FrozenWeights
    uniform: bool = False  # every row is the same (before token 0): compute one row, broadcast

    def select(self, index: torch.Tensor) -> "GenState":
        """A copy of the rows `index` (repeats allowed)."""
        return GenState(self.t, self.prev[index], self.goal[index], self.pending[index],
                        tuple(x[:, index] for x in self.manager), tuple(x[:, index] for x in self.worker),
                        self.feats.select(index), self.weights)

    @staticmethod
    def cat(states: list["GenState"]) -> "GenState":
        """The rows of several states at the same step, in order."""
        first = states[0]
        if any(s.t != first.t for s in states):
            raise ValueError("only states at the same step can be joined")
        cat = lambda xs, dim=0: torch.cat(list(xs), dim=dim)  # noqa: E731
        return GenState(first.t, cat(s.prev for s in states), cat(s.goal for s in states),
                        cat(s.pending for s in states),
                        tuple(cat((s.manager[i] for s in states), 1) for i in range(2)),
                        tuple(cat((s.worker[i] for s in states), 1) for i in range(2)),
                        type(first.feats).cat([s.feats for s in states]), first.weights)


@dataclass
class Thought:
    """What one generation step computes before its token is chosen (see LeakGANModel._think)."""

    logits: torch.Tensor  # [N, V] at α
    goal: torch.Tensor  # [N, F] after the step
    pending: torch.Tensor  # [N, F] after the step
    manager: tuple[torch.Tensor, torch.Tensor]  # MANAGER LSTM state after reading f_t
    worker: tuple[torch.Tensor, torch.Tensor]  # WORKER LSTM state after reading x_{t-1}
    feature: torch.Tensor | None  # f_t [N, F] (None when the step skipped the MANAGER)

    def select(self, index: torch.Tensor) -> "Thought":
        """The rows `index` (repeats allowed; contiguous copies)."""
        return Thought(self.logits[index], self.goal[index], self.pending[index],
                       tuple(x[:, index] for x in self.manager), tuple(x[:, index] for x in self.worker),
                       None if self.feature is None else self.feature[index])


@dataclass
class Trace:
    """Sampled sequences with what rollouts and the training pass reuse (see LeakGANModel.trace)."""

    tokens: torch.Tensor  # [N, T]
    features: torch.Tensor  # [N, T+1, F] f_0..f_T
    states: dict[int, tuple]  # prefix length b -> (D's prefix state before token b, step b's Thought)
    weights: FrozenWeights  # what the trace was computed with (its rollouts continue with them)


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
        self.goal_init = nn.Parameter(torch.zeros(gen_cfg.feature_dim))
        self.discriminator = Discriminator(dis_cfg)
        # How D's feature of each prefix is computed: "incremental" (PrefixFeatures) or "full" (the
        # reference: the CNN re-run on every padded prefix). Not saved in checkpoints.
        self.feature_mode = "incremental"

    def reset_parameters(self, generator: torch.Generator) -> None:
        """Initialise every generator weight from N(0, 0.1²) (the authors' choice) and D as D does."""
        with torch.no_grad():
            for name, param in self.named_parameters():
                if not name.startswith("discriminator."):
                    param.normal_(0.0, 0.1, generator=generator)
        self.discriminator.reset_parameters(generator)

    def manager_parameters(self) -> list[nn.Parameter]:
        """θ_m: the MANAGER LSTM and output layer and the initial goal."""
        return [*self.manager.parameters(), self.goal_init]

    def worker_parameters(self) -> list[nn.Parameter]:
        """θ_w: the WORKER, its softmax layer and W_ψ (the paper updates ψ with the WORKER)."""
        return [*self.worker.parameters(), *self.goal_projection.parameters()]

    def _w(self, goals: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.goal_projection(goals), dim=-1)  # Eq. 4, then normalised as the authors

    @contextmanager
    def _d_eval(self):
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
        with self._d_eval() as D:
            return D.prefix_features(tokens, self.feature_mode)

    def teacher_forced(self, tokens: torch.Tensor, temperature: float = 1.0,
                       features: torch.Tensor | None = None) -> TeacherForced:
        """Run G along tokens [B, T]: features, sub-goals, segment goals and token log-probabilities.

        `features` [B, T+1, F], when the caller already has them (from `trace`), skips D.
        """
        c, T = self.cfg.step_size, tokens.shape[1]
        features = self.leaked_features(tokens) if features is None else features
        sub_goals, _ = self.manager(features[:, :T])
        goals = segment_goals(sub_goals, self.goal_init, c, -(-T // c))
        token_goals = goals.detach().repeat_interleave(c, dim=1)[:, :T]  # the WORKER's loss must not move θ_m
        start = torch.full_like(tokens[:, :1], START_TOKEN)
        hidden, _ = self.worker(torch.cat([start, tokens[:, :-1]], dim=1))
        logits = self.worker.logits(hidden, self._w(token_goals)) / temperature
        log_probs = torch.log_softmax(logits, dim=-1).gather(-1, tokens.unsqueeze(-1)).squeeze(-1)
        return TeacherForced(features, sub_goals, goals, log_probs)

    # ---- step-by-step generation -------------------------------------------------------------

    def _start(self, n: int, weights: FrozenWeights | None = None) -> GenState:
        """The state before token 0 of n rows: empty prefixes, zero LSTM states, the initial goal."""
        device, F_, H = self.goal_init.device, self.cfg.feature_dim, self.cfg.hidden_dim
        weights = weights if weights is not None else FrozenWeights.of(self)
        if self.feature_mode == "incremental":
            feats = PrefixFeatures.start(self.discriminator, n, device, weights.taps)
        elif self.feature_mode == "full":
            feats = FullPrefix.start(self.discriminator, n, device)
        else:
            raise UserError(f"config key 'leakgan.features' must be 'incremental' or 'full', not {self.feature_mode!r}")
        zeros = lambda *shape: torch.zeros(*shape, device=device)  # noqa: E731
        return GenState(0, torch.full((n,), START_TOKEN, dtype=torch.long, device=device),
                        self.goal_init.expand(n, -1), zeros(n, F_), (zeros(1, n, H), zeros(1, n, H)),
                        (zeros(1, n, H), zeros(1, n, H)), feats, weights, uniform=True)

    def segment_boundaries(self) -> range:
        """Prefix lengths c, 2c, ... below T: where a segment ends and rollouts start."""
        return range(self.cfg.step_size, self.cfg.seq_len, self.cfg.step_size)

    def _last_goal_step(self) -> int:
        """The last step whose sub-goal reaches a goal: f_t and the MANAGER are unused after it."""
        c = self.cfg.step_size
        return c * ((self.cfg.seq_len - 1) // c)

    def _think(self, state: GenState, temperature: float, manager: bool = True) -> Thought:
        """Everything step t = state.t computes before its token is chosen (no gradient, eval-mode D).

        The MANAGER reads f_t, which D's prefix state already holds; `manager`
        False skips it (and f_t) for steps after the last goal boundary.
        """
        t, c, wts = state.t, self.cfg.step_size, state.weights
        n = state.prev.shape[0]
        rows = slice(0, 1) if state.uniform else slice(None)  # before token 0 every row is the same
        goal, pending, feature, manager_state = state.goal[rows], state.pending[rows], None, state.manager
        if manager:
            feature = wts.feature(state.feats.pooled[rows])  # f_t
            sub_goal, manager_state = self.manager(feature[:, None], tuple(x[:, rows] for x in state.manager))
            if t > 0:  # g_0 is not summed into any goal (segment 0 uses the initial goal)
                pending = pending + sub_goal[:, 0]
                if t % c == 0:
                    goal, pending = pending, torch.zeros_like(pending)
        hidden, worker_state = self.worker(state.prev[rows, None], tuple(x[:, rows] for x in state.worker))
        logits = wts.logits(hidden[:, 0], self._w(goal)).div_(temperature)
        thought = Thought(logits, goal, pending, manager_state, worker_state, feature)
        return thought.select(torch.zeros(n, dtype=torch.long, device=logits.device)) if state.uniform else thought

    @staticmethod
    def _emit(state: GenState, thought: Thought, token: torch.Tensor, push: bool = True) -> GenState:
        """The state after step t emitted `token` [N]; D's prefix state grows in place unless `push` is False."""
        if push:
            state.feats.push(token)
        return GenState(state.t + 1, token, thought.goal, thought.pending, thought.manager, thought.worker,
                        state.feats, state.weights)

    def _step(self, state: GenState, temperature: float, choose, push: bool = True):
        """One step: (state after it, token [N], the step's Thought: logits, and f_t unless past the last goal step)."""
        thought = self._think(state, temperature, manager=state.t <= self._last_goal_step())
        token = choose(thought.logits)
        return self._emit(state, thought, token, push=push), token, thought

    @torch.no_grad()
    def rollout(self, prefix: torch.Tensor, given, temperature: float, generator: torch.Generator,
                sampler=categorical) -> torch.Tensor:
        """Keep prefix[:, :given] (int or LongTensor [N]) and sample the rest of each row; [N, T] on the model's device."""
        return self.generate(prefix, given, temperature, generator, sampler)[0]

    @torch.no_grad()
    def generate(self, prefix: torch.Tensor, given, temperature: float, generator: torch.Generator,
                 sampler=categorical):
        """Step-by-step generation from token 0, prefix tokens forced while t < given.

        Returns (tokens [N, T], log-probabilities [N, T] of the tokens at α = temperature).
        This is the one-rollout-at-a-time path: every call re-runs the prefix.
        """
        n, T = prefix.shape
        device = self.goal_init.device
        prefix = prefix.to(device)
        given = torch.as_tensor(given, device=device).expand(n)
        tokens = torch.full((n, T), PAD, dtype=torch.long, device=device)
        log_probs = torch.zeros(n, T, device=device)
        with self._d_eval():
            state = self._start(n)
            for t in range(T):
                state, token, thought = self._step(
                    state, temperature, lambda lg: torch.where(t < given, prefix[:, t], sampler(lg, generator)))
                tokens[:, t] = token
                log_probs[:, t] = torch.log_softmax(thought.logits, dim=-1).gather(1, token[:, None])[:, 0]
        return tokens, log_probs

    @torch.no_grad()
    def trace(self, num: int, temperature: float, generator: torch.Generator, boundaries=(),
              sampler=categorical) -> Trace:
        """Sample `num` sequences in one batch and keep what rollouts and training reuse.

        Returns the tokens [N, T], D's features f_0..f_T [N, T+1, F] of their
        prefixes, and for each prefix length b in `boundaries` what step b
        computed before its token was chosen (batched_rollouts starts there).
        """
        T = self.cfg.seq_len
        tokens = torch.empty(num, T, dtype=torch.long, device=self.goal_init.device)
        features, cached = [], {}
        with self._d_eval():
            state = self._start(num)
            for t in range(T):
                before = state.feats.select(torch.arange(num, device=tokens.device)) if t in boundaries else None
                pooled = state.feats.pooled
                state, tokens[:, t], thought = self._step(state, temperature, lambda lg: sampler(lg, generator))
                features.append(thought.feature if thought.feature is not None else state.weights.feature(pooled))
                if before is not None:
                    cached[t] = (before, thought)
            features.append(state.weights.feature(state.feats.pooled))  # f_T, the whole sentence
        return Trace(tokens, torch.stack(features, dim=1), cached, state.weights)

    @torch.no_grad()
    def batched_rollouts(self, trace: Trace, repeats: int, temperature: float, generator: torch.Generator,
                         chunk: int = 4096, sampler=categorical) -> tuple[torch.Tensor, torch.Tensor]:
        """`repeats` rollouts of every traced sequence from every boundary in `trace.states`, batched.

        Each rollout continues from what the trace computed at its boundary b:
        token b is drawn from the cached step-b logits, and the prefix is never
        re-run. All boundaries and repeats of a group of sequences run as one
        batch that grows as t reaches each boundary; a group holds at most
        `chunk` rollouts. Returns the rollouts [R, nb, N, T] and D's
        real-probability of each [R, nb, N] (nb = number of boundaries, in
        increasing order).
        """
        boundaries = sorted(trace.states)
        N, T = trace.tokens.shape
        R, nb = repeats, len(boundaries)
        device = trace.tokens.device
        out_tokens = torch.empty(R, nb, N, T, dtype=torch.long, device=device)
        out_probs = torch.empty(R, nb, N, device=device)
        if nb == 0:
            return out_tokens, out_probs
        group = max(1, chunk // (R * nb))
        weights = trace.weights
        with self._d_eval() as D:
            for first in range(0, N, group):
                rows = torch.arange(first, min(N, first + group), device=device)
                index = rows.repeat(R)  # a boundary's block: rows ordered (repeat, sequence)
                active, tokens = None, None
                for t in range(boundaries[0], T):
                    if active is not None:
                        active, tokens[:, t], _ = self._step(active, temperature, lambda lg: sampler(lg, generator))
                    if t in trace.states:  # this boundary's rollouts join, drawing token t from the cached step
                        feats, thought = trace.states[t]
                        thought = thought.select(index)
                        prefix = trace.tokens[index]
                        prefix[:, t] = sampler(thought.logits, generator)
                        before = GenState(t, prefix[:, t - 1], thought.goal, thought.pending, thought.manager,
                                          thought.worker, feats.select(index), weights)
                        block = self._emit(before, thought, prefix[:, t])
                        active = block if active is None else GenState.cat([active, block])
                        tokens = prefix if tokens is None else torch.cat([tokens, prefix])
                probs = D.real_prob_of(weights.feature(active.feats.pooled))
                k = len(rows)
                out_tokens[:, :, rows] = tokens.view(nb, R, k, T).transpose(0, 1)
                out_probs[:, :, rows] = probs.view(nb, R, k).transpose(0, 1)
        return out_tokens, out_probs

    @torch.no_grad()
    def sample(self, num: int, temperature: float, generator: torch.Generator, batch_size: int = 1000,
               sampler=categorical) -> torch.Tensor:
        """Draw `num` sequences [num, T] (CPU) with logits O_t·w_t / α, α = temperature, `batch_size` rows at a time."""
        chunks = []
        T, last_goal = self.cfg.seq_len, self._last_goal_step()
        with self._d_eval():
            # a per-token projection table costs about as much as pushing 4·V tokens without it
            weights = FrozenWeights.of(self, table=num * T >= 4 * (self.cfg.vocab_size + 1))
            for start in range(0, num, batch_size):
                n = min(batch_size, num - start)
                tokens = torch.empty(n, T, dtype=torch.long, device=self.goal_init.device)
                state = self._start(n, weights)
                for t in range(T):
                    # D's state is read again only by steps up to the last goal boundary
                    state, tokens[:, t], _ = self._step(state, temperature, lambda lg: sampler(lg, generator),
                                                        push=t < last_goal)
                chunks.append(tokens.cpu())
        return torch.cat(chunks) if chunks else torch.zeros(0, T, dtype=torch.long)

    @torch.no_grad()
    def nll(self, tokens: torch.Tensor, batch_size: int = 1000) -> float:
        """Mean per-token NLL of tokens [N, T] at α = 1, each prefix's leaked feature from its own tokens."""
        tokens = torch.as_tensor(tokens, dtype=torch.long)
        if tokens.numel() and (int(tokens.min()) < 0 or int(tokens.max()) >= self.cfg.vocab_size):
            raise UserError(f"token ids must lie in 0..{self.cfg.vocab_size - 1} for this model")
        device = self.goal_init.device
        total, count = 0.0, 0
        for start in range(0, tokens.shape[0], batch_size):
            batch = tokens[start:start + batch_size].to(device)
            total += -float(self.teacher_forced(batch, 1.0).log_probs.double().sum())
            count += batch.numel()
        return total / count

    def checkpoint(self, settings: dict, pad_id: int | None, **extra) -> dict:
        """Everything needed to rebuild this model (the `leakgan` checkpoint format)."""
        return {"model": "leakgan", "settings": settings, "vocab_size": self.cfg.vocab_size,
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
            model.load_state_dict(ckpt["state"])
        except (KeyError, TypeError, ValueError, RuntimeError) as exc:
            raise UserError(f"not a complete LeakGAN checkpoint ({type(exc).__name__}: {exc}); "
                            "delete it and re-run the LeakGAN pretrain stage") from None
        return model.to(device).eval()
